// Value parsers shared by the bridge's CLI, its environment variables and the injector's annotations.
// Each parser returns a result instead of throwing, and its error says what was expected, so every caller
// can prefix the name the user actually typed (a flag, an env var or an annotation).

import type { z } from 'zod';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = <T = never>(error: string): Parsed<T> => ({ ok: false, error });

export function parseInteger(raw: string, min: number, max: number): Parsed<number> {
  const trimmed = raw.trim();
  const value = /^-?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    return fail(`expected an integer from ${min} to ${max}`);
  }
  return ok(value);
}

export function parseBoolean(raw: string): Parsed<boolean> {
  const value = raw.trim().toLowerCase();
  if (value === 'true' || value === '1' || value === '') return ok(true);
  if (value === 'false' || value === '0') return ok(false);
  return fail('expected true or false');
}

export function parseChoice<T extends string>(raw: string, choices: readonly T[]): Parsed<T> {
  const value = raw.trim();
  return (choices as readonly string[]).includes(value)
    ? ok(value as T)
    : fail(`expected one of ${choices.join(', ')}`);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Parses `500ms`, `30s`, `30m` or `1h` into milliseconds. */
export function parseDuration(raw: string): Parsed<number> {
  const match = /^(\d+)(ms|s|m|h)$/.exec(raw.trim());
  const unit = match?.[2];
  if (!match || unit === undefined) return fail('expected a duration like 500ms, 30s, 30m or 1h');
  return ok(Number(match[1]) * (DURATION_UNITS[unit] ?? 1));
}

/** Formats milliseconds in the largest unit that divides them exactly, so `parseDuration(formatDuration(x)) === x`. */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    const size = DURATION_UNITS[unit] ?? 1;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Parses a byte size such as `16MiB`, `512KiB` or `1048576`. */
export function parseByteSize(raw: string, min: number): Parsed<number> {
  const match = /^(\d+)(KiB|MiB|GiB)?$/.exec(raw.trim());
  if (!match) return fail('expected a size like 1048576, 512KiB or 16MiB');
  const scale = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[match[2] ?? ''] ?? 1;
  const value = Number(match[1]) * scale;
  return value >= min ? ok(value) : fail(`expected at least ${min} bytes`);
}

export function formatByteSize(bytes: number): string {
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024}KiB`;
  return String(bytes);
}

/** Parses a comma-separated list, dropping empty items. */
export function parseList(raw: string): Parsed<readonly string[]> {
  return ok(
    raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );
}

/** Parses JSON and validates it with a zod schema, naming the first problem and where it is. */
export function parseJsonWith<T>(raw: string, schema: z.ZodType<T>, expected: string): Parsed<T> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return fail(`expected ${expected}, but it is not valid JSON`);
  }
  const result = schema.safeParse(json);
  if (result.success) return ok(result.data);
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return fail(`expected ${expected}; ${issue?.message ?? 'invalid value'}${where}`);
}

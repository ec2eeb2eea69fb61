// Turns argv and the environment into typed values. Precedence: flag, then the program's environment variable,
// then the default. Pure: the caller passes both in. A problem comes back as data, so each program words it in its
// own voice (the messages its users and tests already know); `describeProblem` is the common wording.

import { parseArgs } from 'node:util';

import { envOf, flagOf, namesFor, type OptionSchema, type OptionSpec, type ValuesOf } from './spec.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export type CliProblem =
  /** `message` is the first sentence of node's own parser message. */
  | { readonly kind: 'unknown_option'; readonly option: string; readonly message: string }
  | { readonly kind: 'missing_value'; readonly option: string; readonly message: string }
  | { readonly kind: 'unexpected_argument'; readonly value: string }
  | { readonly kind: 'invalid_value'; readonly source: string; readonly raw: string; readonly error: string };

export interface ParsedOptions<S extends OptionSchema> {
  readonly kind: 'options';
  readonly help: boolean;
  readonly version: boolean;
  readonly values: ValuesOf<S>;
}

export interface ParseSettings {
  /** e.g. `MCP_SIDECAR`: options also read `MCP_SIDECAR_<NAME>`. */
  readonly envPrefix: string;
  /** Only the options of this subcommand are accepted. */
  readonly command?: string;
}

export function parseOptions<S extends OptionSchema>(
  schema: S,
  args: readonly string[],
  env: Env,
  settings: ParseSettings,
): ParsedOptions<S> | CliProblem {
  const names = namesFor(schema, settings.command);
  const flags = readFlags(schema, names, args);
  if ('kind' in flags) return flags;
  if (flags.help || flags.version) {
    return { kind: 'options', help: flags.help, version: flags.version, values: {} as ValuesOf<S> };
  }
  const values: Record<string, unknown> = {};
  for (const name of names) {
    const resolved = resolveOne(schema[name]!, name, flags.values[name], env, settings.envPrefix);
    if ('kind' in resolved) return resolved;
    values[name] = resolved.value;
  }
  return { kind: 'options', help: false, version: false, values: Object.freeze(values) as ValuesOf<S> };
}

/** The common wording of a problem; programs may word unknown options and stray arguments their own way. */
export function describeProblem(problem: CliProblem): string {
  switch (problem.kind) {
    case 'invalid_value':
      return `invalid ${problem.source} "${problem.raw}": ${problem.error}`;
    case 'unexpected_argument':
      return `unexpected argument "${problem.value}"`;
    default:
      return problem.message;
  }
}

interface Flags {
  readonly help: boolean;
  readonly version: boolean;
  readonly values: Readonly<Record<string, string | boolean>>;
}

function readFlags(schema: OptionSchema, names: readonly string[], args: readonly string[]): Flags | CliProblem {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
  };
  for (const name of names) {
    const spec = schema[name]!;
    options[flagOf(name).slice(2)] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
    if (positionals.length > 0) return { kind: 'unexpected_argument', value: positionals[0]! };
    const byName: Record<string, string | boolean> = {};
    for (const name of names) {
      const value = values[flagOf(name).slice(2)];
      if (value !== undefined) byName[name] = value;
    }
    return { help: values.help === true, version: values.version === true, values: byName };
  } catch (error) {
    return parserProblem(error, args);
  }
}

function parserProblem(error: unknown, args: readonly string[]): CliProblem {
  const code = (error as { code?: string }).code;
  const detail = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  // Node's messages go on about positionals after "--"; the first sentence is the useful part.
  const message = detail.split('. To specify')[0] ?? detail;
  const option = /'(-[^']*)'/.exec(detail)?.[1] ?? args.find((arg) => arg.startsWith('-')) ?? '';
  const kind = code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? 'missing_value' : 'unknown_option';
  return { kind, option: option.split(' ')[0] ?? option, message };
}

function resolveOne(
  spec: OptionSpec<unknown>,
  name: string,
  flagValue: string | boolean | undefined,
  env: Env,
  envPrefix: string,
): { value: unknown } | CliProblem {
  const variable = envOf(envPrefix, name);
  const raw = flagValue === undefined ? env[variable] : String(flagValue);
  if (raw === undefined) return { value: spec.default };
  const parsed = spec.parse(raw);
  if (parsed.ok) return { value: parsed.value };
  const source = flagValue === undefined ? variable : flagOf(name);
  return { kind: 'invalid_value', source, raw, error: parsed.error };
}

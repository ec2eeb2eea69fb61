// Minimal helpers for raw JSON. Pods stay plain JSON from decode to patch, so fields this code does not know
// (new Kubernetes API fields, extensions) survive untouched; typed client models would drop them.

export type JsonObject = { [key: string]: unknown };

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

export const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** Quotes a list of names for a message: `"a", "b"`. */
export const quoteList = (names: readonly string[]): string => names.map((name) => `"${name}"`).join(', ');

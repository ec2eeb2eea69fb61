// Options as data: each option's placeholder, typed default, parser, formatter and description. A program declares
// its options once as an OptionSchema; the parser, --help, the README tables and the environment variable names are
// all derived from it, so none of them can drift from the others.

import { type Parsed, parseBoolean } from './values.ts';

export interface OptionSpec<T> {
  /** Placeholder shown in help, e.g. `<port>`; empty for a switch. */
  readonly hint: string;
  readonly default: T;
  readonly description: string;
  readonly parse: (raw: string) => Parsed<T>;
  /** Renders a value so that `parse(format(v))` gives it back (help, README, rendering args for another program). */
  readonly format: (value: T) => string;
  /** A switch (`--self-signed`) takes no value on the command line; its variable still reads true/false. */
  readonly type: 'string' | 'boolean';
  /** One-letter alias, e.g. `f` for `-f`. */
  readonly short?: string;
  /** Subcommands that take the option, for programs that have subcommands; undefined means all of them. */
  readonly commands?: readonly string[];
  /** README section the option is listed in besides the full table, e.g. 'limits'. */
  readonly group?: string;
}

// The schema is a heterogeneous record of specs; `any` lets each keep its own value type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OptionSchema = Readonly<Record<string, OptionSpec<any>>>;

/** The parsed values of a schema, each with its option's type. */
export type ValuesOf<S extends OptionSchema> = {
  readonly [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : never;
};

type OptionInput<T> = Omit<OptionSpec<T>, 'format' | 'type'> & Partial<Pick<OptionSpec<T>, 'format' | 'type'>>;

/** An option that takes a value; `format` defaults to String. */
export const option = <T>(spec: OptionInput<T>): OptionSpec<T> => ({
  format: (value) => (value === undefined ? '' : String(value)),
  type: 'string',
  ...spec,
});

/** A switch: false unless given (or its variable says true). */
export const toggle = (description: string, extra: Partial<OptionSpec<boolean>> = {}): OptionSpec<boolean> =>
  option({ hint: '', default: false, description, parse: parseBoolean, type: 'boolean', ...extra });

/** `adminPort` → `--admin-port`. */
export const flagOf = (name: string): string => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** (`MCP_SIDECAR`, `adminPort`) → `MCP_SIDECAR_ADMIN_PORT`. */
export const envOf = (prefix: string, name: string): string =>
  `${prefix}_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** The option names of a schema, in declaration order (the order of help and tables). */
export const namesOf = <S extends OptionSchema>(schema: S): (keyof S & string)[] => Object.keys(schema);

/** The option names a subcommand takes. */
export const namesFor = <S extends OptionSchema>(schema: S, command: string | undefined): (keyof S & string)[] =>
  namesOf(schema).filter((name) => command === undefined || (schema[name]?.commands ?? [command]).includes(command));

/** The schema's defaults as a values object. */
export function defaultsOf<S extends OptionSchema>(schema: S): ValuesOf<S> {
  return Object.fromEntries(namesOf(schema).map((name) => [name, schema[name]!.default])) as ValuesOf<S>;
}

/** How a default is shown in help and tables: `(none)` when it formats to nothing. */
export function shownDefault(spec: OptionSpec<unknown>): string {
  const text = spec.format(spec.default);
  return text === '' ? '(none)' : text;
}

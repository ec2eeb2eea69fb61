// --help and the README's option tables, generated from the same schema the parser reads.

import { envOf, flagOf, type OptionSchema, type OptionSpec, shownDefault } from './spec.ts';

export interface RenderSettings {
  readonly envPrefix: string;
  /** Show which subcommands take each option (a column in tables). */
  readonly commands?: boolean;
}

/** `-f, --filename <file|->` */
export function displayFlag(name: string, spec: OptionSpec<unknown>): string {
  return `${spec.short ? `-${spec.short}, ` : ''}${flagOf(name)}${spec.hint ? ` ${spec.hint}` : ''}`;
}

const HELP_COLUMN = 36;

/** Two lines per option: the flag and its description, then its default and environment variable. */
export function renderHelpRows(schema: OptionSchema, names: readonly string[], settings: RenderSettings): string[] {
  return names.map((name) => {
    const spec = schema[name]!;
    const left = `  ${displayFlag(name, spec)}`.padEnd(HELP_COLUMN);
    const variable = envOf(settings.envPrefix, name);
    return `${left}${spec.description}\n${''.padEnd(HELP_COLUMN)}default: ${shownDefault(spec)}; env ${variable}`;
  });
}

/** A Markdown table of the given options (all of a schema, or one group of it). */
export function renderOptionsTable(schema: OptionSchema, names: readonly string[], settings: RenderSettings): string {
  const header = settings.commands
    ? ['| Flag | Environment variable | Default | Command | Description |', '| --- | --- | --- | --- | --- |']
    : ['| Flag | Environment variable | Default | Description |', '| --- | --- | --- | --- |'];
  const rows = names.map((name) => {
    const spec = schema[name]!;
    const cells = [
      `\`${displayFlag(name, spec)}\``,
      `\`${envOf(settings.envPrefix, name)}\``,
      `\`${shownDefault(spec)}\``,
      ...(settings.commands ? [(spec.commands ?? ['all']).join(', ')] : []),
      spec.description,
    ];
    return `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  });
  return [...header, ...rows].join('\n');
}

/** The options of one README group, e.g. 'limits'. */
export const groupNames = (schema: OptionSchema, group: string): string[] =>
  Object.keys(schema).filter((name) => schema[name]?.group === group);

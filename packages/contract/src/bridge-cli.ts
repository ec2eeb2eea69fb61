// Parses `mcp-sidecar [options] -- <command> [args...]` plus MCP_SIDECAR_* variables into a frozen config.
// Pure: the caller passes argv and env, and prints what comes back.

import { parseArgs } from 'node:util';

import {
  BRIDGE_OPTION_NAMES,
  BRIDGE_OPTIONS,
  type BridgeConfig,
  type BridgeOptionName,
  envOf,
  flagOf,
  type OptionSpec,
} from './bridge-options.ts';

export type BridgeCli =
  | { readonly kind: 'run'; readonly config: BridgeConfig; readonly command: readonly string[] }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'error'; readonly message: string };

const USAGE = [
  'usage: mcp-sidecar [options] -- <command> [args...]',
  '       mcp-sidecar [options] --upstream unix:/path/to/stdio.sock',
];

export function parseBridgeCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): BridgeCli {
  const split = argv.indexOf('--');
  const optionArgs = split === -1 ? argv : argv.slice(0, split);
  const command = split === -1 ? [] : argv.slice(split + 1);

  const flags = readFlags(optionArgs);
  if (typeof flags === 'string') return { kind: 'error', message: flags };
  if (flags.help) return { kind: 'help' };
  if (flags.version) return { kind: 'version' };

  const config: Record<string, unknown> = {};
  for (const name of BRIDGE_OPTION_NAMES) {
    const value = resolveOption(name, flags.values[name], env);
    if (!value.ok) return { kind: 'error', message: value.error };
    config[name] = value.value;
  }
  const bridge = Object.freeze(config) as BridgeConfig;
  const problem = checkUpstreamChoice(bridge, command);
  return problem ? { kind: 'error', message: problem } : { kind: 'run', config: bridge, command };
}

interface Flags {
  readonly help: boolean;
  readonly version: boolean;
  readonly values: Partial<Record<BridgeOptionName, string>>;
}

function readFlags(args: readonly string[]): Flags | string {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    help: { type: 'boolean' },
    version: { type: 'boolean' },
  };
  for (const name of BRIDGE_OPTION_NAMES) options[flagOf(name).slice(2)] = { type: 'string' };
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
    if (positionals.length > 0) {
      return `unexpected argument "${positionals[0]}"; put the server command after --, e.g. mcp-sidecar -- npx -y my-server`;
    }
    const byName: Partial<Record<BridgeOptionName, string>> = {};
    for (const name of BRIDGE_OPTION_NAMES) {
      const raw = values[flagOf(name).slice(2)];
      if (typeof raw === 'string') byName[name] = raw;
    }
    return { help: values.help === true, version: values.version === true, values: byName };
  } catch (error) {
    return `${describeParseError(error, args)}; run mcp-sidecar --help to see the options`;
  }
}

function describeParseError(error: unknown, args: readonly string[]): string {
  const code = (error as { code?: string }).code;
  const detail = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  const option = /'(-[^']*)'/.exec(detail)?.[1] ?? args.find((arg) => arg.startsWith('-')) ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `option ${option.split(' ')[0]} needs a value`;
  return detail;
}

function resolveOption(
  name: BridgeOptionName,
  flagValue: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
) {
  const spec = BRIDGE_OPTIONS[name] as OptionSpec<unknown>;
  const envValue = env[envOf(name)];
  const raw = flagValue ?? envValue;
  if (raw === undefined) return { ok: true as const, value: spec.default };
  const parsed = spec.parse(raw);
  if (parsed.ok) return parsed;
  const source = flagValue !== undefined ? flagOf(name) : envOf(name);
  return { ok: false as const, error: `invalid ${source} "${raw}": ${parsed.error}` };
}

function checkUpstreamChoice(config: BridgeConfig, command: readonly string[]): string | undefined {
  if (config.upstream && command.length > 0) {
    return 'give either --upstream or a command after --, not both';
  }
  if (!config.upstream && command.length === 0) {
    return 'no MCP server to bridge: pass its command after --, e.g. mcp-sidecar -- npx -y @modelcontextprotocol/server-everything';
  }
  return undefined;
}

/** The `--help` text, generated from the option schema. */
export function renderHelp(): string {
  const rows = BRIDGE_OPTION_NAMES.map((name) => {
    const spec = BRIDGE_OPTIONS[name] as OptionSpec<unknown>;
    const left = `  ${flagOf(name)} ${spec.hint}`.padEnd(36);
    return `${left}${spec.description}\n${''.padEnd(36)}default: ${shownDefault(name)}; env ${envOf(name)}`;
  });
  return [...USAGE, '', 'Serves a stdio MCP server over MCP Streamable HTTP.', '', 'options:', ...rows, ''].join('\n');
}

function shownDefault(name: BridgeOptionName): string {
  const spec = BRIDGE_OPTIONS[name] as OptionSpec<unknown>;
  const text = spec.format(spec.default);
  return text === '' ? '(none)' : text;
}

/** The README's options table, generated from the option schema (a test keeps the README in step). */
export function renderOptionsMarkdown(): string {
  const header = ['| Flag | Environment variable | Default | Description |', '| --- | --- | --- | --- |'];
  const rows = BRIDGE_OPTION_NAMES.map((name) => {
    const spec = BRIDGE_OPTIONS[name] as OptionSpec<unknown>;
    const cells = [
      `\`${flagOf(name)} ${spec.hint}\``,
      `\`${envOf(name)}\``,
      `\`${shownDefault(name)}\``,
      spec.description,
    ];
    return `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  });
  return [...header, ...rows].join('\n');
}

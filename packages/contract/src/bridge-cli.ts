// Parses `mcp-sidecar [options] -- <command> [args...]` plus MCP_SIDECAR_* variables into a frozen config, with the
// shared command-line engine (@mcp-sidecar/cli). Pure: the caller passes argv and env, and prints what comes back.

import {
  type CliProblem,
  describeProblem,
  type Env,
  groupNames,
  parseOptions,
  renderHelpRows,
  renderOptionsTable,
} from '@mcp-sidecar/cli';

import { BRIDGE_ENV_PREFIX, BRIDGE_OPTION_NAMES, BRIDGE_OPTIONS, type BridgeConfig } from './bridge-options.ts';
import { checkIdentityChoice } from './options/identity.ts';

export type BridgeCli =
  | { readonly kind: 'run'; readonly config: BridgeConfig; readonly command: readonly string[] }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'error'; readonly message: string };

const USAGE = [
  'usage: mcp-sidecar [options] -- <command> [args...]',
  '       mcp-sidecar [options] --upstream unix:/path/to/stdio.sock',
  '       mcp-sidecar [options] --upstream http://127.0.0.1:3000/mcp',
];

const SETTINGS = { envPrefix: BRIDGE_ENV_PREFIX } as const;

export function parseBridgeCli(argv: readonly string[], env: Env): BridgeCli {
  const split = argv.indexOf('--');
  const optionArgs = split === -1 ? argv : argv.slice(0, split);
  const command = split === -1 ? [] : argv.slice(split + 1);
  const parsed = parseOptions(BRIDGE_OPTIONS, optionArgs, env, SETTINGS);
  if (parsed.kind !== 'options') return { kind: 'error', message: wording(parsed) };
  if (parsed.help) return { kind: 'help' };
  if (parsed.version) return { kind: 'version' };
  const problem = checkUpstreamChoice(parsed.values, command) ?? checkIdentityChoice(parsed.values);
  return problem ? { kind: 'error', message: problem } : { kind: 'run', config: parsed.values, command };
}

/** The bridge's own wording for mistakes on its command line. */
function wording(problem: CliProblem): string {
  const help = 'run mcp-sidecar --help to see the options';
  switch (problem.kind) {
    case 'unexpected_argument':
      return `unexpected argument "${problem.value}"; put the server command after --, e.g. mcp-sidecar -- npx -y my-server`;
    case 'unknown_option':
      return `unknown option ${problem.option}; ${help}`;
    case 'missing_value':
      return `option ${problem.option} needs a value; ${help}`;
    default:
      return describeProblem(problem);
  }
}

function checkUpstreamChoice(config: BridgeConfig, command: readonly string[]): string | undefined {
  if (config.upstream && command.length > 0) {
    return 'give either --upstream or a command after --, not both';
  }
  if (!config.upstream && command.length === 0) {
    return 'no MCP server to bridge: pass its command after --, e.g. mcp-sidecar -- npx -y @modelcontextprotocol/server-everything';
  }
  if (config.pty && config.upstream) {
    return '--pty runs the command after -- on a pseudo-terminal; it does not apply to --upstream (for a server behind mcp-shim, give mcp-shim --pty instead)';
  }
  return undefined;
}

/** The `--help` text, generated from the option schema. */
export function renderHelp(): string {
  const rows = renderHelpRows(BRIDGE_OPTIONS, BRIDGE_OPTION_NAMES, SETTINGS);
  return [
    ...USAGE,
    '',
    'Serves a stdio or Streamable HTTP MCP server over MCP Streamable HTTP.',
    '',
    'options:',
    ...rows,
    '',
  ].join('\n');
}

/** The README's options table, generated from the option schema (a test keeps the README in step). */
export const renderOptionsMarkdown = (): string => renderOptionsTable(BRIDGE_OPTIONS, BRIDGE_OPTION_NAMES, SETTINGS);

/** The README's "Limits and timeouts" table: the options with group 'limits', generated like the options table. */
export const renderLimitsMarkdown = (): string =>
  renderOptionsTable(BRIDGE_OPTIONS, groupNames(BRIDGE_OPTIONS, 'limits'), SETTINGS);

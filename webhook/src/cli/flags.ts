// The injector's flags, as data for the shared command-line engine (@mcp-sidecar/cli): each flag's MCP_INJECTOR_*
// variable, default, parser and description. The parser, --help and the README's flags table are all generated
// from this table, so none of them can drift.

import {
  ANNOTATION_SPECS,
  formatDuration,
  LOG_LEVELS,
  type LogLevel,
  type Parsed,
  parseChoice,
  parseDuration,
  parseInteger,
  PORTS,
} from '@mcp-sidecar/contract';
import {
  envOf as envWithPrefix,
  flagOf as flagOfName,
  namesFor,
  namesOf,
  option,
  type OptionSpec,
  renderHelpRows,
  renderOptionsTable,
  toggle,
} from '@mcp-sidecar/cli';

import { DEFAULT_CONFIG, FAILURE_MODES, SIDECAR_MODES } from '../core/config.ts';

export type Command = 'serve' | 'inject';

const text = (raw: string): Parsed<string> =>
  raw.trim() === '' ? { ok: false, error: 'expected a non-empty value' } : { ok: true, value: raw.trim() };
const both: readonly Command[] = ['serve', 'inject'];
const serve: readonly Command[] = ['serve'];

/** A serve-only flag whose value is text, unset unless given. */
const optionalText = (hint: string, description: string): OptionSpec<string | undefined> =>
  option<string | undefined>({ hint, default: undefined, description, commands: serve, parse: text });

const port = (fallback: number, description: string): OptionSpec<number> =>
  option({
    hint: '<port>',
    default: fallback,
    description,
    commands: serve,
    parse: (raw) => parseInteger(raw, 0, 65535),
  });

export const FLAGS = {
  port: port(PORTS.webhook, 'HTTPS port of POST /mutate.'),
  adminPort: port(PORTS.webhookAdmin, 'Plain HTTP port of /healthz, /readyz and /metrics.'),
  host: option({
    hint: '<address>',
    default: '127.0.0.1',
    description: 'Address both servers bind to. Loopback by default; the image sets 0.0.0.0 for the API server.',
    commands: serve,
    parse: text,
  }),
  tlsCert: optionalText('<file>', 'Serving certificate (PEM), reloaded when it changes.'),
  tlsKey: optionalText('<file>', 'Private key (PEM) of --tls-cert.'),
  selfSigned: toggle('Serve an in-memory self-signed certificate (local use and tests).', { commands: serve }),
  bootstrapTls: toggle('Keep a CA and serving certificate in a Secret and the webhook caBundle patched.', {
    commands: serve,
  }),
  namespace: optionalText('<name>', "--bootstrap-tls: the injector's namespace (default: env POD_NAMESPACE)."),
  secretName: option({
    hint: '<name>',
    default: 'mcp-injector-tls',
    description: '--bootstrap-tls: Secret holding the CA and certificate.',
    commands: serve,
    parse: text,
  }),
  serviceName: option({
    hint: '<name>',
    default: 'mcp-injector',
    description: "--bootstrap-tls: the webhook's Service (certificate SANs).",
    commands: serve,
    parse: text,
  }),
  webhookConfigName: option({
    hint: '<name>',
    default: 'mcp-injector',
    description: '--bootstrap-tls: MutatingWebhookConfiguration whose caBundle is kept patched.',
    commands: serve,
    parse: text,
  }),
  tlsPollInterval: option({
    hint: '<duration>',
    default: 10_000,
    description: 'How often certificate files, the Secret and the caBundle are re-checked.',
    commands: serve,
    parse: parseDuration,
    format: formatDuration,
  }),
  sidecarImage: option({
    hint: '<image>',
    default: DEFAULT_CONFIG.sidecarImage,
    description: 'Bridge image for pods without mcp.io/sidecar-image.',
    commands: both,
    parse: ANNOTATION_SPECS.sidecarImage.parse,
  }),
  sidecarMode: option({
    hint: '<mode>',
    default: DEFAULT_CONFIG.sidecarMode,
    description: 'native (an init container with restartPolicy Always, Kubernetes >= 1.29) or classic.',
    commands: both,
    parse: (raw) => parseChoice(raw, SIDECAR_MODES),
  }),
  failureMode: option({
    hint: '<mode>',
    default: DEFAULT_CONFIG.failureMode,
    description: 'On an internal error: open admits the pod uninjected (with a warning), closed denies it.',
    commands: serve,
    parse: (raw) => parseChoice(raw, FAILURE_MODES),
  }),
  logLevel: option<LogLevel>({
    hint: '<level>',
    default: 'info',
    description: `Log level: ${LOG_LEVELS.join(', ')}.`,
    commands: serve,
    parse: (raw) => parseChoice(raw, LOG_LEVELS),
  }),
  filename: option({
    short: 'f',
    hint: '<file|->',
    default: '-',
    description: 'Manifest to inject; - reads stdin.',
    commands: ['inject'],
    parse: text,
  }),
};

export type FlagName = keyof typeof FLAGS;
export const FLAG_NAMES = namesOf(FLAGS);

/** The injector's variables are MCP_INJECTOR_<NAME>. */
export const INJECTOR_ENV_PREFIX = 'MCP_INJECTOR';
const SETTINGS = { envPrefix: INJECTOR_ENV_PREFIX } as const;

/** `adminPort` → `--admin-port`. */
export const flagOf = (name: string): string => flagOfName(name);

/** `adminPort` → `MCP_INJECTOR_ADMIN_PORT`. */
export const envOf = (name: string): string => envWithPrefix(INJECTOR_ENV_PREFIX, name);

const USAGE = [
  'usage: mcp-injector serve [options] (--tls-cert <file> --tls-key <file> | --self-signed | --bootstrap-tls)',
  '       mcp-injector inject [-f <file|->] [options]',
];

/** The `--help` text, generated from the flag table. */
export function renderHelp(): string {
  const section = (command: Command) => renderHelpRows(FLAGS, namesFor(FLAGS, command), SETTINGS);
  return [
    ...USAGE,
    '',
    'serve: the mutating admission webhook (HTTPS POST /mutate, admin /healthz /readyz /metrics).',
    ...section('serve'),
    '',
    'inject: the same mutation offline on Pods, workloads or a multi-document YAML stream, to stdout.',
    ...section('inject'),
    '',
    '  -h, --help  --version',
    '',
  ].join('\n');
}

/** The README's flags table (a test keeps the README in step). */
export const renderFlagsMarkdown = (): string => renderOptionsTable(FLAGS, FLAG_NAMES, { ...SETTINGS, commands: true });

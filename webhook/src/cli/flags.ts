// The injector's flags: one table with each flag's MCP_INJECTOR_* variable, default, parser and description. The
// parser, --help and the README's flags table are all generated from it, so none of them can drift.

import {
  ANNOTATION_SPECS,
  DEFAULT_SIDECAR_IMAGE,
  LOG_LEVELS,
  type Parsed,
  parseBoolean,
  parseChoice,
  parseDuration,
  parseInteger,
  PORTS,
} from '@mcp-sidecar/contract';

import { FAILURE_MODES, SIDECAR_MODES } from '../core/config.ts';

export type Command = 'serve' | 'inject';

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly hint: string;
  /** Raw default, parsed like any other value; undefined means "not set". */
  readonly default: string | undefined;
  readonly description: string;
  readonly commands: readonly Command[];
  readonly parse: (raw: string) => Parsed<unknown>;
}

const text = (raw: string): Parsed<string> =>
  raw.trim() === '' ? { ok: false, error: 'expected a non-empty value' } : { ok: true, value: raw.trim() };
const port = (raw: string): Parsed<number> => parseInteger(raw, 0, 65535);
const both: readonly Command[] = ['serve', 'inject'];
const serve: readonly Command[] = ['serve'];

const flag = (spec: Omit<FlagSpec, 'type' | 'parse'> & Partial<Pick<FlagSpec, 'type' | 'parse'>>): FlagSpec => ({
  type: 'string',
  parse: text,
  ...spec,
});

const toggle = (description: string, commands: readonly Command[] = serve): FlagSpec =>
  flag({ type: 'boolean', hint: '', default: undefined, description, commands, parse: parseBoolean });

export const FLAGS = {
  port: flag({
    hint: '<port>',
    default: String(PORTS.webhook),
    description: 'HTTPS port of POST /mutate.',
    commands: serve,
    parse: port,
  }),
  adminPort: flag({
    hint: '<port>',
    default: String(PORTS.webhookAdmin),
    description: 'Plain HTTP port of /healthz, /readyz and /metrics.',
    commands: serve,
    parse: port,
  }),
  host: flag({
    hint: '<address>',
    default: '127.0.0.1',
    description: 'Address both servers bind to. Loopback by default; the image sets 0.0.0.0 for the API server.',
    commands: serve,
  }),
  tlsCert: flag({
    hint: '<file>',
    default: undefined,
    description: 'Serving certificate (PEM), reloaded when it changes.',
    commands: serve,
  }),
  tlsKey: flag({
    hint: '<file>',
    default: undefined,
    description: 'Private key (PEM) of --tls-cert.',
    commands: serve,
  }),
  selfSigned: toggle('Serve an in-memory self-signed certificate (local use and tests).'),
  bootstrapTls: toggle('Keep a CA and serving certificate in a Secret and the webhook caBundle patched.'),
  namespace: flag({
    hint: '<name>',
    default: undefined,
    description: "--bootstrap-tls: the injector's namespace (default: env POD_NAMESPACE).",
    commands: serve,
  }),
  secretName: flag({
    hint: '<name>',
    default: 'mcp-injector-tls',
    description: '--bootstrap-tls: Secret holding the CA and certificate.',
    commands: serve,
  }),
  serviceName: flag({
    hint: '<name>',
    default: 'mcp-injector',
    description: "--bootstrap-tls: the webhook's Service (certificate SANs).",
    commands: serve,
  }),
  webhookConfigName: flag({
    hint: '<name>',
    default: 'mcp-injector',
    description: '--bootstrap-tls: MutatingWebhookConfiguration whose caBundle is kept patched.',
    commands: serve,
  }),
  tlsPollInterval: flag({
    hint: '<duration>',
    default: '10s',
    description: 'How often certificate files, the Secret and the caBundle are re-checked.',
    commands: serve,
    parse: parseDuration,
  }),
  sidecarImage: flag({
    hint: '<image>',
    default: DEFAULT_SIDECAR_IMAGE,
    description: 'Bridge image for pods without mcp.io/sidecar-image.',
    commands: both,
    parse: ANNOTATION_SPECS.sidecarImage.parse,
  }),
  sidecarMode: flag({
    hint: '<mode>',
    default: 'native',
    description: 'native (an init container with restartPolicy Always, Kubernetes >= 1.29) or classic.',
    commands: both,
    parse: (raw) => parseChoice(raw, SIDECAR_MODES),
  }),
  failureMode: flag({
    hint: '<mode>',
    default: 'closed',
    description: 'On an internal error: open admits the pod uninjected (with a warning), closed denies it.',
    commands: serve,
    parse: (raw) => parseChoice(raw, FAILURE_MODES),
  }),
  logLevel: flag({
    hint: '<level>',
    default: 'info',
    description: `Log level: ${LOG_LEVELS.join(', ')}.`,
    commands: serve,
    parse: (raw) => parseChoice(raw, LOG_LEVELS),
  }),
  filename: flag({
    short: 'f',
    hint: '<file|->',
    default: '-',
    description: 'Manifest to inject; - reads stdin.',
    commands: ['inject'],
  }),
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;
export const FLAG_NAMES = Object.keys(FLAGS) as FlagName[];

/** `adminPort` → `--admin-port`. */
export const flagOf = (name: string): string => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** `adminPort` → `MCP_INJECTOR_ADMIN_PORT`. */
export const envOf = (name: string): string => `MCP_INJECTOR_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

const USAGE = [
  'usage: mcp-injector serve [options] (--tls-cert <file> --tls-key <file> | --self-signed | --bootstrap-tls)',
  '       mcp-injector inject [-f <file|->] [options]',
];

const display = (name: FlagName): string => {
  const spec: FlagSpec = FLAGS[name];
  return `${spec.short ? `-${spec.short}, ` : ''}${flagOf(name)}${spec.hint ? ` ${spec.hint}` : ''}`;
};

/** The `--help` text, generated from the flag table. */
export function renderHelp(): string {
  const section = (command: Command) =>
    FLAG_NAMES.filter((name) => FLAGS[name].commands.includes(command)).map((name) => {
      const spec: FlagSpec = FLAGS[name];
      const shown = spec.default === undefined ? '' : `default: ${spec.default}; `;
      return `  ${display(name).padEnd(34)}${spec.description}\n${''.padEnd(36)}${shown}env ${envOf(name)}`;
    });
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
export function renderFlagsMarkdown(): string {
  const rows = FLAG_NAMES.map((name) => {
    const spec: FlagSpec = FLAGS[name];
    const cells = [
      `\`${display(name)}\``,
      `\`${envOf(name)}\``,
      spec.default === undefined ? '—' : `\`${spec.default}\``,
    ];
    return `| ${[...cells, spec.commands.join(', '), spec.description].join(' | ')} |`;
  });
  return [
    '| Flag | Environment variable | Default | Command | Description |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

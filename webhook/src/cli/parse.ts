// Turns argv + environment into a frozen, typed command with the shared command-line engine (@mcp-sidecar/cli).
// Pure: the caller passes both in and prints what comes back. Precedence: flag, then MCP_INJECTOR_* variable, then
// default. The first bad value is reported in one line.

import { type CliProblem, describeProblem, type Env, parseOptions, type ValuesOf } from '@mcp-sidecar/cli';
import type { LogLevel } from '@mcp-sidecar/contract';

import { injectorConfig, type InjectorConfig } from '../core/config.ts';
import { type Command, FLAGS, INJECTOR_ENV_PREFIX } from './flags.ts';

export type TlsMode =
  | { readonly kind: 'files'; readonly certFile: string; readonly keyFile: string }
  | { readonly kind: 'self-signed' }
  | {
      readonly kind: 'bootstrap';
      readonly namespace: string;
      readonly secretName: string;
      readonly serviceName: string;
      readonly webhookConfigName: string;
    };

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly adminPort: number;
  readonly tls: TlsMode;
  readonly tlsPollMs: number;
  readonly logLevel: LogLevel;
  readonly config: InjectorConfig;
}

export interface InjectOptions {
  readonly filename: string;
  readonly config: InjectorConfig;
}

export type Cli =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'serve'; readonly options: ServeOptions }
  | { readonly kind: 'inject'; readonly options: InjectOptions };

type Values = ValuesOf<typeof FLAGS>;

const error = (message: string): Cli => ({ kind: 'error', message });

export function parseCli(argv: readonly string[], env: Env): Cli {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { kind: 'help' };
  if (command === '--version' || command === 'version') return { kind: 'version' };
  if (command !== 'serve' && command !== 'inject')
    return error(`unknown command "${command}"; expected serve or inject`);
  const parsed = parseOptions(FLAGS, rest, env, { envPrefix: INJECTOR_ENV_PREFIX, command });
  if (parsed.kind !== 'options') return error(wording(parsed, command));
  if (parsed.help) return { kind: 'help' };
  if (parsed.version) return { kind: 'version' };
  const values = parsed.values;
  const config = injectorConfig({
    sidecarImage: values.sidecarImage,
    sidecarMode: values.sidecarMode,
    failureMode: values.failureMode,
  });
  if (command === 'inject') return { kind: 'inject', options: Object.freeze({ filename: values.filename, config }) };
  const tls = tlsMode(values, env);
  if (typeof tls === 'string') return error(tls);
  const options: ServeOptions = {
    host: values.host,
    port: values.port,
    adminPort: values.adminPort,
    tls,
    tlsPollMs: values.tlsPollInterval,
    logLevel: values.logLevel,
    config,
  };
  return { kind: 'serve', options: Object.freeze(options) };
}

function wording(problem: CliProblem, command: Command): string {
  if (problem.kind === 'unexpected_argument') return `unexpected argument "${problem.value}" for ${command}`;
  return describeProblem(problem);
}

const TLS_CHOICE = 'choose one TLS mode: --tls-cert <file> --tls-key <file>, --self-signed or --bootstrap-tls';

function tlsMode(values: Values, env: Env): TlsMode | string {
  const files = values.tlsCert !== undefined || values.tlsKey !== undefined;
  const chosen = [files, values.selfSigned, values.bootstrapTls].filter(Boolean).length;
  if (chosen !== 1) return chosen === 0 ? `no TLS mode given; ${TLS_CHOICE}` : `several TLS modes given; ${TLS_CHOICE}`;
  if (files) {
    if (values.tlsCert === undefined || values.tlsKey === undefined) return '--tls-cert and --tls-key go together';
    return { kind: 'files', certFile: values.tlsCert, keyFile: values.tlsKey };
  }
  if (values.selfSigned) return { kind: 'self-signed' };
  const namespace = values.namespace ?? env.POD_NAMESPACE;
  if (!namespace) return '--bootstrap-tls needs --namespace (or env POD_NAMESPACE)';
  return {
    kind: 'bootstrap',
    namespace,
    secretName: values.secretName,
    serviceName: values.serviceName,
    webhookConfigName: values.webhookConfigName,
  };
}

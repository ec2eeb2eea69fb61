// Turns argv + environment into a frozen, typed command. Pure: the caller passes both in and prints what comes back.
// Precedence: flag, then MCP_INJECTOR_* variable, then default. The first bad value is reported in one line.

import { parseArgs } from 'node:util';

import type { LogLevel } from '@mcp-sidecar/contract';

import { type FailureMode, injectorConfig, type InjectorConfig, type SidecarMode } from '../core/config.ts';
import { type Command, envOf, FLAG_NAMES, type FlagName, FLAGS, flagOf, type FlagSpec } from './flags.ts';

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

type Env = Readonly<Record<string, string | undefined>>;
type Values = Partial<Record<FlagName, unknown>>;

const error = (message: string): Cli => ({ kind: 'error', message });

export function parseCli(argv: readonly string[], env: Env): Cli {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { kind: 'help' };
  if (command === '--version' || command === 'version') return { kind: 'version' };
  if (command !== 'serve' && command !== 'inject')
    return error(`unknown command "${command}"; expected serve or inject`);
  const flags = readFlags(command, rest);
  if (typeof flags === 'string') return error(flags);
  if (flags.help) return { kind: 'help' };
  if (flags.version) return { kind: 'version' };
  const values = resolve(command, flags.values, env);
  if (typeof values === 'string') return error(values);
  const config = injectorConfig({
    sidecarImage: values.sidecarImage as string,
    sidecarMode: values.sidecarMode as SidecarMode,
    failureMode: (values.failureMode ?? 'closed') as FailureMode,
  });
  if (command === 'inject')
    return { kind: 'inject', options: Object.freeze({ filename: values.filename as string, config }) };
  const tls = tlsMode(values, env);
  if (typeof tls === 'string') return error(tls);
  const options: ServeOptions = {
    host: values.host as string,
    port: values.port as number,
    adminPort: values.adminPort as number,
    tls,
    tlsPollMs: values.tlsPollInterval as number,
    logLevel: values.logLevel as LogLevel,
    config,
  };
  return { kind: 'serve', options: Object.freeze(options) };
}

interface Flags {
  readonly help: boolean;
  readonly version: boolean;
  readonly values: Partial<Record<FlagName, string | boolean>>;
}

function namesFor(command: Command): FlagName[] {
  return FLAG_NAMES.filter((name) => FLAGS[name].commands.includes(command));
}

function readFlags(command: Command, args: readonly string[]): Flags | string {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
  };
  for (const name of namesFor(command)) {
    const spec: FlagSpec = FLAGS[name];
    options[flagOf(name).slice(2)] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
    if (positionals.length > 0) return `unexpected argument "${positionals[0]}" for ${command}`;
    const byName: Partial<Record<FlagName, string | boolean>> = {};
    for (const name of namesFor(command)) {
      const value = values[flagOf(name).slice(2)];
      if (value !== undefined) byName[name] = value;
    }
    return { help: values.help === true, version: values.version === true, values: byName };
  } catch (caught) {
    // Node's parseArgs messages go on about positionals after "--"; the first sentence is the useful part.
    const message = caught instanceof Error ? caught.message : String(caught);
    return message.split('\n')[0]?.split('. To specify')[0] ?? message;
  }
}

function resolve(command: Command, flags: Flags['values'], env: Env): Values | string {
  const values: Values = {};
  for (const name of namesFor(command)) {
    const spec: FlagSpec = FLAGS[name];
    const flagValue = flags[name];
    const envValue = env[envOf(name)];
    const raw = flagValue === undefined ? envValue : String(flagValue);
    if (raw === undefined) {
      values[name] = spec.default === undefined ? undefined : (spec.parse(spec.default) as { value: unknown }).value;
      continue;
    }
    const parsed = spec.parse(raw);
    if (!parsed.ok) return `invalid ${flagValue === undefined ? envOf(name) : flagOf(name)} "${raw}": ${parsed.error}`;
    values[name] = parsed.value;
  }
  return values;
}

const TLS_CHOICE = 'choose one TLS mode: --tls-cert <file> --tls-key <file>, --self-signed or --bootstrap-tls';

function tlsMode(values: Values, env: Env): TlsMode | string {
  const files = values.tlsCert !== undefined || values.tlsKey !== undefined;
  const chosen = [files, values.selfSigned === true, values.bootstrapTls === true].filter(Boolean).length;
  if (chosen !== 1) return chosen === 0 ? `no TLS mode given; ${TLS_CHOICE}` : `several TLS modes given; ${TLS_CHOICE}`;
  if (files) {
    if (values.tlsCert === undefined || values.tlsKey === undefined) return '--tls-cert and --tls-key go together';
    return { kind: 'files', certFile: values.tlsCert as string, keyFile: values.tlsKey as string };
  }
  if (values.selfSigned === true) return { kind: 'self-signed' };
  const namespace = (values.namespace as string | undefined) ?? env.POD_NAMESPACE;
  if (!namespace) return '--bootstrap-tls needs --namespace (or env POD_NAMESPACE)';
  return {
    kind: 'bootstrap',
    namespace,
    secretName: values.secretName as string,
    serviceName: values.serviceName as string,
    webhookConfigName: values.webhookConfigName as string,
  };
}

// The bridge's option schema: every flag, its MCP_SIDECAR_* variable, default, parser and description.
// The bridge parses its command line with it, the injector renders the bridge's args with it, and the README's
// options table is generated from it, so none of the three can drift from the others.

import {
  defaultsOf,
  envOf as envWithPrefix,
  fail,
  flagOf as flagOfName,
  formatByteSize,
  namesOf,
  ok,
  option,
  type OptionSpec,
  type Parsed,
  parseByteSize,
  parseChoice,
  parseInteger,
  parseJsonWith,
  type ValuesOf,
} from '@mcp-sidecar/cli';

import { lazySchema } from './lazy-zod.ts';
import { duration, list, port } from './options/helpers.ts';
import { IDENTITY_OPTIONS } from './options/identity.ts';
import { LIMIT_OPTIONS } from './options/limits.ts';
import { PROTOCOL_OPTIONS } from './options/protocol.ts';
import { UPSTREAM_OPTIONS } from './options/upstream.ts';
import { formatUpstreamTarget, parseUpstream, type UpstreamTarget } from './upstream.ts';

export type { OptionSpec };

export const SESSION_MODES = ['shared', 'per-session'] as const;
export type SessionMode = (typeof SESSION_MODES)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A call the bridge makes after the handshake; readiness waits until every one succeeded. */
export interface WarmupCall {
  readonly method: string;
  readonly params?: Record<string, unknown>;
}

const warmupSchema = lazySchema<WarmupCall[]>((z) =>
  z.array(
    z.strictObject({
      method: z
        .string()
        .min(1)
        .refine((method) => method !== 'initialize' && !method.startsWith('notifications/'), {
          message: 'the bridge performs initialize itself; list requests such as tools/list or tools/call',
        }),
      params: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
);

export const parseWarmup = (raw: string): Parsed<readonly WarmupCall[]> =>
  parseJsonWith(raw, warmupSchema(), 'a JSON list of {"method", "params"} objects');

function parseHost(raw: string): Parsed<string> {
  const value = raw.trim();
  return /^[A-Za-z0-9.:[\]-]+$/.test(value) ? ok(value) : fail('expected an IP address or a host name');
}

const RESERVED_PATHS = ['/sse', '/messages'];

function parseEndpointPath(raw: string): Parsed<string> {
  const value = raw.trim();
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(value)) return fail('expected a URL path such as /mcp');
  if (RESERVED_PATHS.includes(value)) return fail(`${value} is reserved for the legacy HTTP+SSE transport`);
  return ok(value);
}

/** The options every bridge has: where it listens, what it bridges, sessions, logs. */
const CORE_OPTIONS = {
  host: option({
    hint: '<address>',
    default: '127.0.0.1',
    description: 'Address the MCP endpoint binds to. Loopback by default; use 0.0.0.0 inside a container.',
    parse: parseHost,
  }),
  port: port(8080, 'Port of the MCP endpoint (0 picks a free port).'),
  path: option({
    hint: '<path>',
    default: '/mcp',
    description: 'Path of the Streamable HTTP endpoint. The legacy HTTP+SSE transport is served at /sse and /messages.',
    parse: parseEndpointPath,
  }),
  adminHost: option({
    hint: '<address>',
    default: '127.0.0.1',
    description: 'Address of the admin endpoints (/livez, /readyz, /status, /metrics).',
    parse: parseHost,
  }),
  adminPort: port(8081, 'Port of the admin endpoints (0 picks a free port).'),
  upstream: option<UpstreamTarget | null>({
    hint: '<url>',
    default: null,
    description:
      'Reach the MCP server at unix:/path (an mcp-shim socket) or http(s)://host:port/path (Streamable HTTP) instead of spawning the command after --.',
    parse: parseUpstream,
    format: formatUpstreamTarget,
  }),
  sessionMode: option<SessionMode>({
    hint: '<mode>',
    default: 'shared',
    description: 'shared: every HTTP session uses one upstream. per-session: one upstream (child or connection) each.',
    parse: (raw) => parseChoice(raw, SESSION_MODES),
  }),
  poolMin: option({
    hint: '<n>',
    default: 1,
    description: 'per-session mode: upstreams kept initialized ahead of demand.',
    parse: (raw) => parseInteger(raw, 0, 1024),
  }),
  maxSessions: option({
    hint: '<n>',
    default: 64,
    description: 'Open sessions allowed at once; more get HTTP 503 with Retry-After.',
    parse: (raw) => parseInteger(raw, 1, 1_000_000),
    group: 'limits',
  }),
  sessionIdleTimeout: duration(
    30 * 60_000,
    'Sessions idle this long are ended (their upstream too in per-session mode).',
    'limits',
  ),
  warmup: option<readonly WarmupCall[]>({
    hint: '<json>',
    default: [],
    description: 'JSON list of {"method","params"} calls that must succeed before /readyz turns 200.',
    parse: parseWarmup,
    format: (value) => JSON.stringify(value),
  }),
  logLevel: option<LogLevel>({
    hint: '<level>',
    default: 'info',
    description: `Log level: ${LOG_LEVELS.join(', ')}. Message bodies are logged at debug only.`,
    parse: (raw) => parseChoice(raw, LOG_LEVELS),
  }),
  allowedOrigins: list('Extra browser origins allowed to call the endpoint (exact, e.g. https://app.example.com).'),
  allowedHosts: list('Host header values allowed. Default: loopback names when bound to loopback, any otherwise.'),
  maxMessageSize: option({
    hint: '<size>',
    default: 16 * 1024 * 1024,
    description: 'Largest JSON-RPC message accepted from a client or from the server (one stdout line).',
    parse: (raw) => parseByteSize(raw, 1024),
    format: formatByteSize,
    group: 'limits',
  }),
  shutdownGrace: duration(10_000, 'On SIGTERM, how long in-flight requests may take to finish.', 'limits'),
  sseKeepalive: duration(15_000, 'Interval of SSE keep-alive comments on open streams.'),
  eventStoreSize: option({
    hint: '<n>',
    default: 256,
    description: 'Events kept per session for resumption (Last-Event-ID) and for streams no client is reading.',
    parse: (raw) => parseInteger(raw, 1, 1_000_000),
    group: 'limits',
  }),
} as const;

/**
 * Every option of the bridge, in the order of --help and the README. Each capability declares its options in a
 * file of its own under options/ and is listed here once.
 */
export const BRIDGE_OPTIONS = {
  ...CORE_OPTIONS,
  ...UPSTREAM_OPTIONS,
  ...PROTOCOL_OPTIONS,
  ...IDENTITY_OPTIONS,
  ...LIMIT_OPTIONS,
} as const;

export type BridgeOptionName = keyof typeof BRIDGE_OPTIONS;
export type BridgeConfig = ValuesOf<typeof BRIDGE_OPTIONS>;

/** The bridge's variables are MCP_SIDECAR_<NAME>. */
export const BRIDGE_ENV_PREFIX = 'MCP_SIDECAR';

/** `adminPort` → `--admin-port`. */
export const flagOf = (name: BridgeOptionName): string => flagOfName(name);

/** `adminPort` → `MCP_SIDECAR_ADMIN_PORT`. */
export const envOf = (name: BridgeOptionName): string => envWithPrefix(BRIDGE_ENV_PREFIX, name);

export const BRIDGE_OPTION_NAMES = namesOf(BRIDGE_OPTIONS);

export const defaultBridgeConfig = (): BridgeConfig => defaultsOf(BRIDGE_OPTIONS);

/** Renders the given options as bridge flags, e.g. for the injector's container args. */
export function toBridgeArgs(values: Partial<BridgeConfig>): string[] {
  const args: string[] = [];
  for (const name of BRIDGE_OPTION_NAMES) {
    const value = values[name];
    if (value === undefined) continue;
    const spec = BRIDGE_OPTIONS[name] as OptionSpec<typeof value>;
    // A switch takes no value: given when true, left out when false (its default).
    if (spec.type === 'boolean') {
      if (value === true) args.push(flagOf(name));
      continue;
    }
    args.push(flagOf(name), spec.format(value));
  }
  return args;
}

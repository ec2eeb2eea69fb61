// The systems under test and how to start each one in front of the same echo server.
// Peers run in their fastest reasonable configuration (quiet logs, no features our bridge lacks) so that the
// ratios we print are conservative; our bridge runs with its defaults.
import { existsSync, realpathSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { TRACES_PATH } from './extras.ts';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(BENCH_DIR, '..', '..');
// The mcp-sidecar rows run the compiled build (`npm run bench` builds first): that is what the images ship, and it
// keeps Node's TypeScript stripper out of the measured memory. BENCH_SIDECAR_ENTRY points them at another entry (the
// sources, a branch checkout). Not MCP_SIDECAR_*: the bridge reads that prefix for its own options.
export const SIDECAR_ENTRY = process.env['BENCH_SIDECAR_ENTRY'] ?? join(REPO_ROOT, 'sidecar', 'dist', 'main.js');

type SidecarId = 'sidecar-shared' | 'sidecar-per-session';
/** Shared mode with one feature on: TLS on the MCP port, or tracing at 100 % sampling to a local OTLP sink. */
type FeatureId = 'sidecar-tls' | 'sidecar-traced';
/** `…@base`: the same bridge built from the --baseline revision. */
export type TargetId =
  | 'bare'
  | 'bare-tls'
  | 'bare-traced'
  | SidecarId
  | `${SidecarId}-2026`
  | FeatureId
  | `${SidecarId}@base`
  | 'supergateway'
  | 'mcp-proxy'
  | 'http-direct'
  | 'sidecar-http'
  | 'mcp-proxy-http';
export type TargetKind = 'bare' | 'ours' | 'peer';

export type LaunchContext = {
  port: number;
  adminPort: number;
  /** argv of the echo server, absolute paths, ending in the run marker. */
  echo: string[];
  maxSessions: number;
  /** The feature rows' certificate files and OTLP sink (extras.ts). */
  tls: { cert: string; key: string };
  otlpEndpoint: string;
};

export type Launch = { command: string; args: string[]; env?: Record<string, string> };

export type TargetDef = {
  id: TargetId;
  label: string;
  kind: TargetKind;
  /** ours: GET /readyz on the admin port; everyone else: a successful initialize on /mcp. */
  readiness: 'readyz' | 'initialize';
  /** https for a target serving TLS (wrk and the bench client then speak TLS; the certificate is not checked). */
  scheme?: 'https';
  /** Why the target cannot be started at all (checked before spawning), or undefined. */
  missing: () => string | undefined;
  launch: (ctx: LaunchContext) => Launch;
  /** '2026-07-28': the load is stateless 2026-07-28 calls (mcp-call.lua with MCP_WIRE=2026-07-28), no session is opened. */
  wire?: '2026-07-28';
};

export const TARGET_IDS: TargetId[] = [
  'bare',
  'bare-tls',
  'bare-traced',
  'sidecar-shared',
  'sidecar-shared-2026',
  'sidecar-per-session',
  'sidecar-per-session-2026',
  'sidecar-tls',
  'sidecar-traced',
  'sidecar-shared@base',
  'sidecar-per-session@base',
  'supergateway',
  'mcp-proxy',
  'http-direct',
  'sidecar-http',
  'mcp-proxy-http',
];

/** Resolve an installed CLI to its JS entry, so the pid we measure is node itself, not a shell wrapper. */
function binEntry(name: string): string | undefined {
  const link = join(REPO_ROOT, 'node_modules', '.bin', name);
  return existsSync(link) ? realpathSync(link) : undefined;
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Another build of the bridge to run beside this one (--baseline). */
export interface OtherBuild {
  readonly short: string;
  readonly entry: string;
}

function sidecar(mode: 'shared' | 'per-session', other?: OtherBuild, wire?: '2026-07-28'): TargetDef {
  const entry = other?.entry ?? SIDECAR_ENTRY;
  const id: SidecarId = mode === 'shared' ? 'sidecar-shared' : 'sidecar-per-session';
  return {
    id: other ? `${id}@base` : wire ? `${id}-2026` : id,
    label: other
      ? `mcp-sidecar ${mode} @${other.short}`
      : wire
        ? `mcp-sidecar ${mode}, 2026-07-28`
        : `mcp-sidecar ${mode}`,
    ...(wire ? { wire } : {}),
    kind: 'ours',
    readiness: 'readyz',
    missing: () => (existsSync(entry) ? undefined : `entry file ${entry} not found`),
    launch: (ctx) => ({
      command: process.execPath,
      args: [
        ...(entry.endsWith('.ts') ? ['--conditions=mcp-sidecar-source'] : []),
        entry,
        ...['--host', '127.0.0.1', '--port', String(ctx.port), '--admin-port', String(ctx.adminPort)],
        ...['--session-mode', mode, '--max-sessions', String(ctx.maxSessions)],
        '--',
        ...ctx.echo,
      ],
    }),
  };
}

const bare: TargetDef = {
  id: 'bare',
  label: 'bare node:http',
  kind: 'bare',
  readiness: 'initialize',
  missing: () => undefined,
  launch: (ctx) => ({
    command: process.execPath,
    args: [join(BENCH_DIR, 'bare-server.ts'), '--host', '127.0.0.1', '--port', String(ctx.port)],
  }),
};

/** The ceiling over node:https, with the TLS row's certificate: what Node's TLS costs a server doing nothing else. */
const bareTls: TargetDef = {
  ...bare,
  id: 'bare-tls',
  label: 'bare node:https',
  scheme: 'https',
  launch: (ctx) => {
    const launch = bare.launch(ctx);
    return { ...launch, args: [...launch.args, '--tls-cert', ctx.tls.cert, '--tls-key', ctx.tls.key] };
  },
};

/**
 * The ceiling with the OpenTelemetry SDK's spans for each call (sdk-spans.ts), exported to the same sink as
 * `sidecar-traced` but on a path of its own (TRACES_PATH), so the sink counts the two apart.
 */
const bareTraced: TargetDef = {
  ...bare,
  id: 'bare-traced',
  label: 'bare node:http, OTel SDK 100 %',
  launch: (ctx) => {
    const launch = bare.launch(ctx);
    const env = {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${ctx.otlpEndpoint}${TRACES_PATH['bare-traced']}`,
      OTEL_TRACES_SAMPLER: 'always_on',
    };
    return { ...launch, args: [...launch.args, '--trace-sdk'], env };
  },
};

const supergateway: TargetDef = {
  id: 'supergateway',
  label: 'supergateway --stateful',
  kind: 'peer',
  readiness: 'initialize',
  missing: () => (binEntry('supergateway') ? undefined : 'node_modules/.bin/supergateway not installed'),
  launch: (ctx) => ({
    command: process.execPath,
    args: [
      binEntry('supergateway')!,
      // --stdio takes one shell command line (supergateway spawns it with shell: true).
      ...['--stdio', ctx.echo.map(shellQuote).join(' ')],
      ...['--outputTransport', 'streamableHttp', '--stateful', '--streamableHttpPath', '/mcp'],
      // Default logging is "info", which prints every message; "none" gives the peer its best numbers.
      ...['--port', String(ctx.port), '--logLevel', 'none'],
    ],
  }),
};

/** mcp-proxy in front of a stdio command. */
const mcpProxyArgs = (ctx: LaunchContext, command: string[]): string[] => [
  binEntry('mcp-proxy')!,
  ...['--host', '127.0.0.1', '--port', String(ctx.port), '--server', 'stream', '--streamEndpoint', '/mcp'],
  // Its resumability event store (on by default) roughly cut its 1-connection rate to a third in our A/B;
  // our bridge keeps its own store, so turning this one off favours the peer: the ratios stay conservative.
  '--no-eventStore',
  '--',
  ...command,
];

const mcpProxy: TargetDef = {
  id: 'mcp-proxy',
  label: 'mcp-proxy',
  kind: 'peer',
  readiness: 'initialize',
  missing: () => (binEntry('mcp-proxy') ? undefined : 'node_modules/.bin/mcp-proxy not installed'),
  launch: (ctx) => ({ command: process.execPath, args: mcpProxyArgs(ctx, ctx.echo) }),
};

/**
 * The HTTP-upstream rows: the same Streamable HTTP echo server (http-echo-server.ts), reached directly, through the
 * bridge's --upstream http://, and through mcp-proxy (which fronts only stdio commands, so it runs supergateway's
 * Streamable HTTP → stdio client as its command). The server is the root of each row's process tree.
 */
const HTTP_ECHO = join(BENCH_DIR, 'http-echo-server.ts');

const httpDirect: TargetDef = {
  id: 'http-direct',
  label: 'HTTP echo server, direct',
  kind: 'bare',
  readiness: 'initialize',
  missing: () => undefined,
  launch: (ctx) => ({ command: process.execPath, args: [HTTP_ECHO, '--port', String(ctx.port)] }),
};

const sidecarHttp: TargetDef = {
  id: 'sidecar-http',
  label: 'mcp-sidecar --upstream http',
  kind: 'ours',
  readiness: 'readyz',
  missing: () => (existsSync(SIDECAR_ENTRY) ? undefined : `entry file ${SIDECAR_ENTRY} not found`),
  launch: (ctx) => ({
    command: process.execPath,
    args: [
      HTTP_ECHO,
      '--',
      process.execPath,
      ...(SIDECAR_ENTRY.endsWith('.ts') ? ['--conditions=mcp-sidecar-source'] : []),
      SIDECAR_ENTRY,
      ...['--host', '127.0.0.1', '--port', String(ctx.port), '--admin-port', String(ctx.adminPort)],
      ...['--max-sessions', String(ctx.maxSessions), '--upstream', '{UPSTREAM}'],
    ],
  }),
};

const mcpProxyHttp: TargetDef = {
  id: 'mcp-proxy-http',
  label: 'mcp-proxy → supergateway → HTTP',
  kind: 'peer',
  readiness: 'initialize',
  missing: () =>
    binEntry('mcp-proxy') && binEntry('supergateway') ? undefined : 'mcp-proxy or supergateway not installed',
  launch: (ctx) => ({
    command: process.execPath,
    args: [
      HTTP_ECHO,
      '--',
      process.execPath,
      ...mcpProxyArgs(ctx, [
        process.execPath,
        binEntry('supergateway')!,
        ...['--streamableHttp', '{UPSTREAM}', '--logLevel', 'none'],
      ]),
    ],
  }),
};

/** The shared bridge with one feature on, to read its cost against `sidecar-shared` in the same run. */
function feature(id: FeatureId): TargetDef {
  const plain = sidecar('shared');
  const tls = id === 'sidecar-tls';
  return {
    ...plain,
    id,
    label: tls ? 'mcp-sidecar shared, TLS' : 'mcp-sidecar shared, traced 100 %',
    ...(tls ? { scheme: 'https' as const } : {}),
    launch: (ctx) => {
      const launch = plain.launch(ctx);
      const split = launch.args.indexOf('--');
      if (tls) {
        const args = [...launch.args.slice(0, split), '--tls-cert', ctx.tls.cert, '--tls-key', ctx.tls.key];
        return { ...launch, args: [...args, ...launch.args.slice(split)] };
      }
      const env = {
        OTEL_EXPORTER_OTLP_ENDPOINT: ctx.otlpEndpoint,
        OTEL_TRACES_SAMPLER: 'always_on',
        OTEL_SERVICE_NAME: 'mcp-sidecar-bench',
      };
      return { ...launch, env };
    },
  };
}

/** Every target, in table order; the @base rows only when a baseline build is given. */
export function targetsFor(baseline: OtherBuild | undefined): TargetDef[] {
  const base = baseline ? [sidecar('shared', baseline), sidecar('per-session', baseline)] : [];
  const modern = [sidecar('shared', undefined, '2026-07-28'), sidecar('per-session', undefined, '2026-07-28')];
  const features = [feature('sidecar-tls'), feature('sidecar-traced')];
  const rows = [bare, bareTls, bareTraced, sidecar('shared'), sidecar('per-session'), ...modern, ...features, ...base];
  return [...rows, supergateway, mcpProxy, ...httpRows];
}

const httpRows = [httpDirect, sidecarHttp, mcpProxyHttp];

/** A loopback port that was free a moment ago (the usual bind-to-0 trick; the tiny race is acceptable here). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

import { readFileSync, writeFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  BRIDGE_OPTION_NAMES,
  type BridgeConfig,
  defaultBridgeConfig,
  envOf,
  flagOf,
  parseBridgeCli,
  readAnnotation,
  renderLimitsMarkdown,
  renderOptionsMarkdown,
  toBridgeArgs,
} from '../src/index.ts';

const run = (argv: string[], env: Record<string, string> = {}) => parseBridgeCli(argv, env);
const config = (argv: string[], env: Record<string, string> = {}): BridgeConfig => {
  const result = run(argv, env);
  if (result.kind !== 'run') throw new Error(JSON.stringify(result));
  return result.config;
};
const error = (argv: string[], env: Record<string, string> = {}): string => {
  const result = run(argv, env);
  if (result.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(result)}`);
  return result.message;
};

describe('parseBridgeCli', () => {
  it('uses the documented defaults: loopback, 8080/8081, /mcp, shared, 64 sessions, 30m idle', () => {
    const result = run(['--', 'server', '--flag']);
    expect(result).toEqual({ kind: 'run', config: defaultBridgeConfig(), command: ['server', '--flag'] });
    expect(defaultBridgeConfig()).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      path: '/mcp',
      adminHost: '127.0.0.1',
      adminPort: 8081,
      sessionMode: 'shared',
      poolMin: 1,
      maxSessions: 64,
      sessionIdleTimeout: 30 * 60_000,
    });
  });

  it('reads every option from MCP_SIDECAR_* and lets flags win', () => {
    const env = {
      MCP_SIDECAR_PORT: '9000',
      MCP_SIDECAR_SESSION_MODE: 'per-session',
      MCP_SIDECAR_SESSION_IDLE_TIMEOUT: '90s',
    };
    expect(config(['--', 'x'], env)).toMatchObject({
      port: 9000,
      sessionMode: 'per-session',
      sessionIdleTimeout: 90_000,
    });
    expect(config(['--port', '9001', '--', 'x'], env).port).toBe(9001);
  });

  it('names the option, the bad value and what is accepted', () => {
    expect(error(['--port', '70000', '--', 'x'])).toBe('invalid --port "70000": expected an integer from 0 to 65535');
    expect(error(['--', 'x'], { MCP_SIDECAR_MAX_SESSIONS: '0' })).toBe(
      'invalid MCP_SIDECAR_MAX_SESSIONS "0": expected an integer from 1 to 1000000',
    );
    expect(error(['--session-mode', 'solo', '--', 'x'])).toContain('expected one of shared, per-session');
    expect(error(['--session-idle-timeout', '5', '--', 'x'])).toContain(
      'expected a duration like 500ms, 30s, 30m or 1h',
    );
    expect(error(['--warmup', '[{"method":"initialize"}]', '--', 'x'])).toContain(
      'the bridge performs initialize itself',
    );
    expect(error(['--warmup', 'nope', '--', 'x'])).toContain('not valid JSON');
    expect(error(['--max-message-size', '1x', '--', 'x'])).toContain('expected a size like');
    expect(error(['--path', '/sse', '--', 'x'])).toContain('reserved for the legacy HTTP+SSE transport');
  });

  it('refuses unknown flags, stray arguments, a missing server and two upstreams', () => {
    expect(error(['--prot', '1', '--', 'x'])).toBe('unknown option --prot; run mcp-sidecar --help to see the options');
    expect(error(['server'])).toContain('put the server command after --');
    expect(error([])).toContain('no MCP server to bridge');
    expect(error(['--upstream', 'unix:/s.sock', '--', 'x'])).toContain('either --upstream or a command');
    expect(error(['--upstream', 'http://u:p@127.0.0.1:3000/mcp'])).toContain('credentials in the URL');
    expect(error(['--upstream', 'http://[::1'])).toContain('not a valid URL');
    expect(error(['--upstream', 'ftp://x/mcp'])).toContain('http://127.0.0.1:PORT/path');
    expect(error(['--pty', '--upstream', 'unix:/s.sock'])).toContain('give mcp-shim --pty instead');
  });

  it('accepts an HTTP upstream, normalized', () => {
    expect(config(['--upstream', 'http://127.0.0.1:3000/mcp']).upstream).toEqual({
      kind: 'http',
      url: 'http://127.0.0.1:3000/mcp',
    });
    expect(config(['--upstream', 'HTTPS://Example.COM/mcp']).upstream).toEqual({
      kind: 'http',
      url: 'https://example.com/mcp',
    });
  });

  it('takes --pty (and MCP_SIDECAR_PTY) for a spawned command', () => {
    expect(config(['--pty', '--', 'python3', 'server.py']).pty).toBe(true);
    expect(config(['--', 'x'], { MCP_SIDECAR_PTY: 'true' }).pty).toBe(true);
    expect(config(['--', 'x']).pty).toBe(false);
  });

  it('accepts a shim socket upstream', () => {
    expect(config(['--upstream', 'unix:/mcp/run/stdio.sock']).upstream).toEqual({
      kind: 'unix',
      path: '/mcp/run/stdio.sock',
    });
  });

  it('answers --help and --version', () => {
    expect(run(['--help'])).toEqual({ kind: 'help' });
    expect(run(['--version'])).toEqual({ kind: 'version' });
  });
});

describe('toBridgeArgs', () => {
  it('renders flags that parse back to the same configuration', () => {
    const wanted: BridgeConfig = {
      ...defaultBridgeConfig(),
      host: '0.0.0.0',
      port: 9090,
      upstream: { kind: 'unix', path: '/mcp/run/stdio.sock' },
      sessionMode: 'per-session',
      sessionIdleTimeout: 90_000,
      warmup: [{ method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } }],
      allowedOrigins: ['https://a.example', 'https://b.example'],
      maxMessageSize: 4 * 1024 * 1024,
    };
    expect(config(toBridgeArgs(wanted))).toEqual(wanted);
  });

  it('has a flag and an environment variable for every option', () => {
    for (const name of BRIDGE_OPTION_NAMES) {
      expect(flagOf(name)).toMatch(/^--[a-z-]+$/);
      expect(envOf(name)).toMatch(/^MCP_SIDECAR_[A-Z_]+$/);
    }
  });
});

describe('annotations', () => {
  it('validate with the bridge’s own parsers and name the annotation and the fix', () => {
    expect(readAnnotation({ 'mcp.io/session-mode': 'per-session' }, 'sessionMode')).toEqual({
      ok: true,
      value: 'per-session',
    });
    expect(readAnnotation({}, 'sessionMode')).toBeUndefined();
    const bad = readAnnotation({ 'mcp.io/session-mode': 'solo' }, 'sessionMode');
    expect(bad).toEqual({
      ok: false,
      error:
        'annotation mcp.io/session-mode="solo" is invalid: expected one of shared, per-session. Fix: set mcp.io/session-mode: "per-session"',
    });
    expect(readAnnotation({ 'mcp.io/command': '[]' }, 'command')).toMatchObject({ ok: false });
    expect(readAnnotation({ 'mcp.io/command': '["npx","-y","x"]' }, 'command')).toEqual({
      ok: true,
      value: ['npx', '-y', 'x'],
    });
    expect(readAnnotation({ 'mcp.io/port': '0' }, 'port')).toMatchObject({ ok: false });
  });
});

const README = new URL('../../../README.md', import.meta.url);

/** The README's generated tables, between `<!-- name:begin … -->` and `<!-- name:end -->` (UPDATE_README=1 rewrites). */
const TABLES: Record<string, () => string> = { options: renderOptionsMarkdown, limits: renderLimitsMarkdown };

function refreshed(text: string): string {
  return Object.entries(TABLES).reduce((doc, [name, render]) => {
    const begin = doc.indexOf(`<!-- ${name}:begin`);
    const end = doc.indexOf(`<!-- ${name}:end -->`);
    if (begin === -1 || end === -1) throw new Error(`README.md lacks the markers of the ${name} table`);
    const open = doc.indexOf('\n', begin) + 1;
    const table = `<!-- prettier-ignore-start -->\n${render()}\n<!-- prettier-ignore-end -->\n`;
    return `${doc.slice(0, open)}${table}${doc.slice(end)}`;
  }, text);
}

describe('README', () => {
  if (process.env.UPDATE_README === '1') writeFileSync(README, refreshed(readFileSync(README, 'utf8')));

  it('shows the options table generated from the schema', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(renderOptionsMarkdown());
  });

  it('shows the "Limits and timeouts" table: the options of group limits, generated the same way', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toContain(`<!-- prettier-ignore-start -->\n${renderLimitsMarkdown()}\n<!-- prettier-ignore-end -->`);
    for (const flag of ['--request-timeout', '--max-connections', '--max-sessions', '--event-store-bytes']) {
      expect(renderLimitsMarkdown()).toContain(flag);
    }
  });
});

// Flag and MCP_INJECTOR_* parsing: precedence, TLS mode choice, and one-line errors.

import { describe, expect, it } from 'vitest';

import { DEFAULT_SIDECAR_IMAGE } from '@mcp-sidecar/contract';

import { envOf, FLAG_NAMES, flagOf } from '../src/cli/flags.ts';
import { type Cli, parseCli } from '../src/cli/parse.ts';

const serveOptions = (cli: Cli) => {
  if (cli.kind !== 'serve') throw new Error(`expected serve, got ${JSON.stringify(cli)}`);
  return cli.options;
};

describe('parseCli', () => {
  it('serve: defaults', () => {
    const options = serveOptions(parseCli(['serve', '--self-signed'], {}));
    expect(options).toMatchObject({
      host: '127.0.0.1',
      port: 8443,
      adminPort: 8444,
      tls: { kind: 'self-signed' },
      tlsPollMs: 10_000,
      logLevel: 'info',
    });
    expect(options.config).toMatchObject({
      sidecarImage: DEFAULT_SIDECAR_IMAGE,
      sidecarMode: 'native',
      failureMode: 'closed',
    });
  });

  it('serve: flags win over MCP_INJECTOR_* variables, which win over defaults', () => {
    const env = {
      MCP_INJECTOR_PORT: '9443',
      MCP_INJECTOR_ADMIN_PORT: '9444',
      MCP_INJECTOR_FAILURE_MODE: 'open',
      MCP_INJECTOR_SELF_SIGNED: 'true',
    };
    const options = serveOptions(parseCli(['serve', '--port', '10443', '--sidecar-mode', 'classic'], env));
    expect(options).toMatchObject({ port: 10443, adminPort: 9444, tls: { kind: 'self-signed' } });
    expect(options.config).toMatchObject({ failureMode: 'open', sidecarMode: 'classic' });
  });

  it('serve: files mode and bootstrap mode (namespace from POD_NAMESPACE)', () => {
    expect(serveOptions(parseCli(['serve', '--tls-cert', 'c.pem', '--tls-key', 'k.pem'], {})).tls).toEqual({
      kind: 'files',
      certFile: 'c.pem',
      keyFile: 'k.pem',
    });
    expect(serveOptions(parseCli(['serve', '--bootstrap-tls'], { POD_NAMESPACE: 'mcp-system' })).tls).toEqual({
      kind: 'bootstrap',
      namespace: 'mcp-system',
      secretName: 'mcp-injector-tls',
      serviceName: 'mcp-injector',
      webhookConfigName: 'mcp-injector',
    });
    const flagged = parseCli(['serve', '--bootstrap-tls', '--namespace', 'a', '--tls-poll-interval', '2s'], {
      POD_NAMESPACE: 'b',
    });
    expect(serveOptions(flagged)).toMatchObject({ tls: { namespace: 'a' }, tlsPollMs: 2000 });
  });

  it('inject: -f, and the shared injection flags', () => {
    const cli = parseCli(['inject', '-f', 'deploy.yaml', '--sidecar-image', 'mirror/sidecar:1'], {});
    expect(cli).toMatchObject({
      kind: 'inject',
      options: { filename: 'deploy.yaml', config: { sidecarImage: 'mirror/sidecar:1' } },
    });
    expect(parseCli(['inject'], {})).toMatchObject({ kind: 'inject', options: { filename: '-' } });
  });

  const errors: [string[], string, Record<string, string>?][] = [
    [['serve', '--self-signed', '--port', 'x'], 'invalid --port "x": expected an integer from 0 to 65535'],
    [
      ['serve', '--self-signed'],
      'invalid MCP_INJECTOR_SIDECAR_MODE "sidecar": expected one of native, classic',
      { MCP_INJECTOR_SIDECAR_MODE: 'sidecar' },
    ],
    [
      ['serve'],
      'no TLS mode given; choose one TLS mode: --tls-cert <file> --tls-key <file>, --self-signed or --bootstrap-tls',
    ],
    [
      ['serve', '--self-signed', '--bootstrap-tls'],
      'several TLS modes given; choose one TLS mode: --tls-cert <file> --tls-key <file>, --self-signed or --bootstrap-tls',
    ],
    [['serve', '--tls-cert', 'c.pem'], '--tls-cert and --tls-key go together'],
    [['serve', '--bootstrap-tls'], '--bootstrap-tls needs --namespace (or env POD_NAMESPACE)'],
    [['serve', '--self-signed', '--nope'], "Unknown option '--nope'"],
    [['inject', '--port', '1'], "Unknown option '--port'"],
    [['inject', 'extra'], 'unexpected argument "extra" for inject'],
    [['deploy'], 'unknown command "deploy"; expected serve or inject'],
    [
      ['serve', '--self-signed', '--failure-mode', 'maybe'],
      'invalid --failure-mode "maybe": expected one of open, closed',
    ],
  ];
  it.each(errors)('%j → error', (argv, message, env = {}) => {
    const cli = parseCli(argv, env);
    expect(cli).toEqual({ kind: 'error', message });
    expect(message).not.toContain('\n');
  });

  it('help and version', () => {
    expect(parseCli([], {}).kind).toBe('help');
    expect(parseCli(['serve', '--help'], {}).kind).toBe('help');
    expect(parseCli(['inject', '-h'], {}).kind).toBe('help');
    expect(parseCli(['--version'], {}).kind).toBe('version');
  });

  it('derives flag and variable names from the table', () => {
    expect(FLAG_NAMES.map(flagOf)).toContain('--webhook-config-name');
    expect(FLAG_NAMES.map(envOf)).toContain('MCP_INJECTOR_WEBHOOK_CONFIG_NAME');
  });
});

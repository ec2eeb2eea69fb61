// The registry of upstream kinds: the contract's union parsed once, and a transport for each kind that is served.

import { describe, expect, it } from 'vitest';

import { describeUpstream, upstreamSpec } from '@mcp-sidecar/contract';

import { childEnvironment, transportFor } from '../../src/upstream/kinds/index.ts';

describe('upstream kinds', () => {
  it('parses --upstream or the command into one tagged union', () => {
    const command = ['npx', '-y', 'server'];
    expect(upstreamSpec({ upstream: null, pty: false }, command)).toEqual({ kind: 'spawn', command });
    expect(upstreamSpec({ upstream: null, pty: true }, command)).toEqual({ kind: 'pty', command });
    expect(upstreamSpec({ upstream: { kind: 'unix', path: '/mcp/run/stdio.sock' }, pty: false }, [])).toEqual({
      kind: 'unix',
      path: '/mcp/run/stdio.sock',
    });
    const http = { kind: 'http', url: 'http://127.0.0.1:3000/mcp' } as const;
    expect(upstreamSpec({ upstream: http, pty: false }, [])).toEqual(http);
    expect(describeUpstream({ kind: 'unix', path: '/s' })).toBe('unix:/s');
    expect(describeUpstream(http)).toBe('http://127.0.0.1:3000/mcp');
    expect(describeUpstream({ kind: 'pty', command: ['python3', 's.py'] })).toBe('python3 s.py (on a pseudo-terminal)');
  });

  it('has a transport for every kind', async () => {
    const settings = { maxMessageSize: 1024 };
    expect(typeof (await transportFor({ kind: 'spawn', command: ['x'] }, settings))).toBe('function');
    expect(typeof (await transportFor({ kind: 'unix', path: '/s' }, settings))).toBe('function');
    expect(typeof (await transportFor({ kind: 'http', url: 'http://127.0.0.1:1/mcp' }, settings))).toBe('function');
    expect(typeof (await transportFor({ kind: 'pty', command: ['x'] }, settings))).toBe('function');
  });

  it('gives spawned servers PYTHONUNBUFFERED=1 unless it is set, even to empty', () => {
    expect(childEnvironment({ PATH: '/bin' })).toEqual({ PATH: '/bin', PYTHONUNBUFFERED: '1' });
    expect(childEnvironment({ PYTHONUNBUFFERED: '' })).toEqual({ PYTHONUNBUFFERED: '' });
    expect(childEnvironment({ PYTHONUNBUFFERED: '0' })).toEqual({ PYTHONUNBUFFERED: '0' });
  });
});

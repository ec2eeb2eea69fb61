// The registry of upstream kinds: the contract's union parsed once, and a transport for each kind that is served.

import { describe, expect, it } from 'vitest';

import { describeUpstream, upstreamSpec } from '@mcp-sidecar/contract';

import { transportFor } from '../../src/upstream/kinds/index.ts';

describe('upstream kinds', () => {
  it('parses --upstream or the command into one tagged union', () => {
    expect(upstreamSpec(null, ['npx', '-y', 'server'])).toEqual({ kind: 'spawn', command: ['npx', '-y', 'server'] });
    expect(upstreamSpec({ kind: 'unix', path: '/mcp/run/stdio.sock' }, [])).toEqual({
      kind: 'unix',
      path: '/mcp/run/stdio.sock',
    });
    expect(describeUpstream({ kind: 'unix', path: '/s' })).toBe('unix:/s');
  });

  it('has a transport for spawn and unix, and says which kinds it does not serve yet', () => {
    const settings = { maxMessageSize: 1024 };
    expect(typeof transportFor({ kind: 'spawn', command: ['x'] }, settings)).toBe('function');
    expect(typeof transportFor({ kind: 'unix', path: '/s' }, settings)).toBe('function');
    expect(() => transportFor({ kind: 'http', url: 'http://127.0.0.1:1/mcp' }, settings)).toThrow(
      'http upstreams are not supported yet',
    );
  });
});

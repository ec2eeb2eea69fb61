// The caller guards (Origin and Host) under each policy: the MCP port's (bound to loopback or elsewhere) and the
// admin port's. Pure: headers in, a refusal or nothing out.

import { describe, expect, it } from 'vitest';

import { adminPolicy, mcpPolicy, RequestGuards } from '../../src/http/stages/caller.ts';

const check = (guards: RequestGuards, host: string | undefined, origin?: string) =>
  guards.checkCaller({ ...(host === undefined ? {} : { host }), ...(origin ? { origin } : {}) })?.code;

describe('the MCP port', () => {
  it('bound to loopback: loopback Hosts, and loopback or listed Origins', () => {
    const guards = new RequestGuards(mcpPolicy({ host: '127.0.0.1', allowedHosts: [], allowedOrigins: ['https://a'] }));
    expect(check(guards, 'localhost:8080')).toBeUndefined();
    expect(check(guards, 'evil.example:8080')).toBe('host_forbidden');
    expect(check(guards, undefined)).toBe('host_forbidden');
    expect(check(guards, '127.0.0.1:8080', 'http://localhost:3000')).toBeUndefined();
    expect(check(guards, '127.0.0.1:8080', 'https://a')).toBeUndefined();
    expect(check(guards, '127.0.0.1:8080', 'https://b')).toBe('origin_forbidden');
  });

  it('bound elsewhere: any Host, but loopback Origins are no longer trusted, only --allowed-origins', () => {
    const guards = new RequestGuards(mcpPolicy({ host: '0.0.0.0', allowedHosts: [], allowedOrigins: ['https://a'] }));
    expect(check(guards, 'mcp.internal:8080')).toBeUndefined();
    expect(check(guards, undefined)).toBeUndefined();
    expect(check(guards, 'not a host!')).toBe('host_forbidden');
    expect(check(guards, '10.0.0.7:8080', 'http://localhost:3000')).toBe('origin_forbidden');
    expect(check(guards, '10.0.0.7:8080', 'https://a')).toBeUndefined();
  });
});

describe('the admin port', () => {
  it('bound to loopback: loopback Host names only, whatever --allowed-hosts says', () => {
    const guards = new RequestGuards(adminPolicy({ adminHost: '127.0.0.1', allowedHosts: ['mcp.internal'] }));
    expect(check(guards, '127.0.0.1:8081')).toBeUndefined();
    expect(check(guards, 'localhost:8081')).toBeUndefined();
    expect(check(guards, '10.0.0.7:8081')).toBe('host_forbidden');
    expect(check(guards, 'mcp.internal:8081')).toBe('host_forbidden');
  });

  it('bound elsewhere (a pod): IP literals (kubelet probes, scrapes by pod IP), loopback and listed names', () => {
    const guards = new RequestGuards(adminPolicy({ adminHost: '0.0.0.0', allowedHosts: ['metrics.svc'] }));
    expect(check(guards, '10.244.1.17:8081')).toBeUndefined();
    expect(check(guards, '[fd00::17]:8081')).toBeUndefined();
    expect(check(guards, 'localhost:8081')).toBeUndefined();
    expect(check(guards, 'metrics.svc:8081')).toBeUndefined();
    expect(check(guards, 'evil.example:8081')).toBe('host_forbidden');
    expect(check(guards, '10.244.1.17.nip.io:8081')).toBe('host_forbidden');
    expect(check(guards, undefined)).toBe('host_forbidden');
  });

  it('refuses any Origin: browsers have no business on the admin port', () => {
    const guards = new RequestGuards(adminPolicy({ adminHost: '0.0.0.0', allowedHosts: [] }));
    expect(check(guards, '10.244.1.17:8081', 'http://localhost:3000')).toBe('admin_origin_forbidden');
    expect(check(guards, '10.244.1.17:8081', 'null')).toBe('admin_origin_forbidden');
  });
});

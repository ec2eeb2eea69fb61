// The identity, access and tracing annotations the injector reads (webhook/README.md), and the one assumption the
// injector makes about the bridge's --trusted-proxies: that a bare address, as the kubelet expands $(POD_IPS) from
// status.podIPs, is one host.

import { describe, expect, it } from 'vitest';

import { ANNOTATIONS, BRIDGE_OPTIONS, parseBridgeCli, readAnnotation } from '../src/index.ts';

const read = (key: Parameters<typeof readAnnotation>[1], value: string) =>
  readAnnotation({ [ANNOTATIONS[key]]: value }, key);

describe('identity annotations', () => {
  it('accept what the bridge accepts, as the values the injector renders', () => {
    expect(read('tlsSecret', 'mcp-server-tls.v2')).toEqual({ ok: true, value: 'mcp-server-tls.v2' });
    expect(read('tlsClientAuth', 'require')).toEqual({ ok: true, value: 'require' });
    expect(read('auth', 'jwt')).toEqual({ ok: true, value: 'jwt' });
    expect(read('jwtJwks', 'http://keycloak.auth:8080/realms/a/protocol/openid-connect/certs')).toMatchObject({
      ok: true,
    });
    expect(read('jwtAudience', ' https://mcp.example.com/mcp ')).toEqual({
      ok: true,
      value: 'https://mcp.example.com/mcp',
    });
    expect(readAnnotation({ 'mcp.io/policy-configmap': 'rules' }, 'policyConfigMap')).toEqual({
      ok: true,
      value: { name: 'rules', key: 'policy.yaml' },
    });
    expect(readAnnotation({ 'mcp.io/policy-configmap': 'rules/policy.json' }, 'policyConfigMap')).toEqual({
      ok: true,
      value: { name: 'rules', key: 'policy.json' },
    });
    expect(readAnnotation({ 'mcp.io/otel-endpoint': 'https://otlp.example.com:4318' }, 'otelEndpoint')).toEqual({
      ok: true,
      value: 'https://otlp.example.com:4318',
    });
  });

  it.each([
    ['tlsSecret', 'mcp-tls', 'My_Secret'],
    ['authSecret', 'mcp-tokens', '-tokens'],
    ['tlsClientAuth', 'optional', 'mutual'],
    ['auth', 'token', 'basic'],
    ['jwtJwks', 'https://a.example/jwks.json', '/etc/jwks.json'],
    ['jwtIssuer', 'https://a.example', ' '],
    ['jwtAudience', 'aud', ''],
    ['policyConfigMap', 'rules/a.yaml', 'rules/../a.yaml'],
    ['otelEndpoint', 'http://collector:4318', 'collector:4317'],
  ] as const)('%s: %j is accepted, %j is refused with the annotation, the value and an example', (key, good, bad) => {
    expect(read(key, good)?.ok).toBe(true);
    const refused = read(key, bad);
    expect(refused?.ok).toBe(false);
    if (refused?.ok === false)
      expect(refused.error).toMatch(/^annotation mcp\.io\/[a-z-]+=".*" is invalid: .+\. Fix: set /);
  });
});

describe('--trusted-proxies as the injector renders it for Linkerd', () => {
  it('takes the pod IPs the kubelet expands from status.podIPs, each as one host', () => {
    expect(BRIDGE_OPTIONS.trustedProxies.parse('10.244.1.4,fd00:10:244:1::4')).toEqual({
      ok: true,
      value: ['10.244.1.4', 'fd00:10:244:1::4'],
    });
    const cli = parseBridgeCli(['--upstream', 'unix:/mcp/run/stdio.sock', '--trusted-proxies', '10.244.1.4'], {});
    expect(cli).toMatchObject({ kind: 'run', config: { trustedProxies: ['10.244.1.4'] } });
  });
});

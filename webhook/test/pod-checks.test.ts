// The validator the golden and property tests rely on must be able to fail: each rule gets a pod that breaks it.

import { describe, expect, it } from 'vitest';

import { podProblems } from './helpers/pod-checks.ts';

type Json = Record<string, unknown>;

const restricted = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: 65532,
  seccompProfile: { type: 'RuntimeDefault' },
};
const bridge = {
  name: 'mcp-sidecar',
  image: 'i',
  restartPolicy: 'Always',
  resources: { requests: { cpu: '1' } },
  securityContext: restricted,
};
const pod = (spec: Json): Json => ({
  metadata: { name: 'p' },
  spec: { containers: [{ name: 'app', image: 'i' }], ...spec },
});

describe('podProblems', () => {
  it('accepts a valid pod with a native sidecar', () => {
    expect(podProblems(pod({ initContainers: [bridge] }))).toEqual([]);
  });

  it.each([
    [
      'a non-string init restartPolicy (the schema knows the field)',
      { initContainers: [{ ...bridge, restartPolicy: 5 }] },
      /schema: .*initContainers\/0\/restartPolicy must be string/,
    ],
    [
      "bridge args the bridge's own parser refuses (after $(POD_IPS) is expanded)",
      {
        initContainers: [
          {
            ...bridge,
            args: ['--upstream', 'unix:/mcp/run/stdio.sock', '--trusted-proxies', '$(POD_IPS)/129'],
            env: [{ name: 'POD_IPS', valueFrom: { fieldRef: { fieldPath: 'status.podIPs' } } }],
          },
        ],
      },
      /the bridge refuses its args: .*10\.244\.1\.4,fd00:10:244:1::4\/129/,
    ],
    [
      'an init restartPolicy other than Always',
      { initContainers: [{ ...bridge, restartPolicy: 'Never' }] },
      /init restartPolicy "Never"/,
    ],
    [
      'probes on a run-to-completion init container',
      { initContainers: [{ name: 'init', image: 'i', readinessProbe: { exec: { command: ['true'] } } }] },
      /probes on a run-to-completion/,
    ],
    [
      'a classic bridge with restartPolicy',
      { containers: [{ name: 'app', image: 'i' }, { ...bridge }] },
      /classic bridge carries restartPolicy/,
    ],
    ['duplicate container names', { initContainers: [{ name: 'app', image: 'i' }] }, /duplicate container names: app/],
    [
      'a mount of a missing volume',
      { containers: [{ name: 'app', image: 'i', volumeMounts: [{ name: 'gone', mountPath: '/x' }] }] },
      /mount of missing volume gone/,
    ],
    [
      'a port name over 15 characters',
      { containers: [{ name: 'app', image: 'i', ports: [{ name: 'much-too-long-name', containerPort: 1 }] }] },
      /longer than 15/,
    ],
    [
      'an injected container without the restricted fields',
      { initContainers: [{ ...bridge, securityContext: { ...restricted, runAsUser: 0 } }] },
      /runAsUser is not an explicit non-root uid/,
    ],
  ])('rejects %s', (_name, spec, problem) => {
    expect(podProblems(pod(spec)).join('\n')).toMatch(problem);
  });
});

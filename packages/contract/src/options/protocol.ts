// The protocol eras the bridge serves and how it speaks to the upstream (2025-11-25 sessions, 2026-07-28 stateless).

import { fail, ok, option, parseChoice, type Parsed } from '@mcp-sidecar/cli';

export const UPSTREAM_PROTOCOLS = ['auto', 'legacy', 'modern'] as const;
export type UpstreamProtocol = (typeof UPSTREAM_PROTOCOLS)[number];

function parseName(raw: string): Parsed<string> {
  const value = raw.trim();
  return /^[A-Za-z0-9._:-]{0,253}$/.test(value)
    ? ok(value)
    : fail('expected a name of letters, digits, dots, dashes, colons or underscores');
}

export const PROTOCOL_OPTIONS = {
  upstreamProtocol: option<UpstreamProtocol>({
    hint: '<era>',
    default: 'auto',
    description:
      'Era the server speaks: auto probes it with server/discover at start-up; modern forwards 2026-07-28 requests to it as they are; legacy translates them.',
    parse: (raw) => parseChoice(raw, UPSTREAM_PROTOCOLS),
  }),
  stateKeyFile: option<string>({
    hint: '<path>',
    default: '',
    description:
      'File holding the HMAC key (32+ bytes) that signs 2026-07-28 requestState; give every replica the same one. Default: a key made at start.',
    parse: (raw) => ok(raw.trim()),
  }),
  replicaId: option<string>({
    hint: '<name>',
    default: '',
    description:
      'Name of this replica in requestState, so a retry that reached another one is told so. Default: the host name.',
    parse: parseName,
  }),
} as const;

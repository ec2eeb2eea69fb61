// Limits and timeouts that keep one misbehaving client or server from costing the pod more than its share (README: Limits and timeouts, generated from the options with group 'limits').

import { option, parseInteger } from '@mcp-sidecar/cli';

import { duration } from './helpers.ts';

export const LIMIT_OPTIONS = {
  inputTimeout: duration(
    5 * 60_000,
    "How long a 2026-07-28 call waits for its client's answers to the server's questions (MRTR) before it is cancelled.",
    'limits',
  ),
  maxInputWaits: option({
    hint: '<n>',
    default: 64,
    description: '2026-07-28 calls allowed to wait for client input at once; more get HTTP 503 with Retry-After.',
    parse: (raw) => parseInteger(raw, 1, 1_000_000),
    group: 'limits',
  }),
} as const;

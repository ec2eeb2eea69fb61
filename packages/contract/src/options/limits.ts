// Limits and timeouts that keep one misbehaving client or server from costing the pod more than its share (README:
// Limits and timeouts, generated from the options with group 'limits'). What a client sees when each is hit is in the
// README next to the table; the bridge's own limits that predate this file (--max-sessions, --max-message-size,
// --event-store-size, ...) are in bridge-options.ts and carry the same group.

import { option, parseInteger } from '@mcp-sidecar/cli';

import { count, duration, positiveDuration, size } from './helpers.ts';

const GROUP = 'limits';

export const LIMIT_OPTIONS = {
  eventStoreBytes: size(
    4 * 1024 * 1024,
    1024,
    'Bytes of events kept per session for resumption (the newest event is always kept). A stream whose reader falls further behind than the store keeps is ended.',
    GROUP,
  ),
  maxStreamBuffers: size(
    64 * 1024 * 1024,
    1024 * 1024,
    'Memory for the events held for all SSE clients that are behind, together; a stream that needs more is ended.',
    GROUP,
  ),
  requestTimeout: duration(
    5 * 60_000,
    'A request the server has not answered in this long gets a JSON-RPC error, and the server a notifications/cancelled. Progress restarts the clock; 0s waits forever.',
    GROUP,
  ),
  maxJsonDepth: count(
    128,
    1,
    1000,
    'Deepest nesting of arrays and objects in a message. A deeper client message gets 400; a deeper server message is skipped.',
    GROUP,
  ),
  headersTimeout: positiveDuration(
    10_000,
    "Time a client has to send a request's headers; a slower one gets 408 and its connection is closed.",
    GROUP,
  ),
  bodyTimeout: positiveDuration(
    30_000,
    'Time a client has to send a whole request, body included (408). Responses, SSE streams included, are not limited.',
    GROUP,
  ),
  keepAliveTimeout: positiveDuration(
    65_000,
    'How long an idle keep-alive connection stays open between requests (above the usual 60 s of load balancers).',
    GROUP,
  ),
  maxHeaderSize: size(16 * 1024, 1024, 'Largest request line plus headers; a larger one gets 431.', GROUP),
  maxConnections: count(
    1024,
    1,
    1_000_000,
    'Client connections open at once on the MCP port; a request on one more gets 503 with Retry-After, and it is closed.',
    GROUP,
  ),
  upstreamLogRate: count(
    20,
    1,
    100_000,
    "Lines of a server's stderr and non-JSON stdout logged per second (bursts of twice that); the rest are counted in a summary line.",
    GROUP,
  ),
  inputTimeout: duration(
    5 * 60_000,
    "How long a 2026-07-28 call waits for its client's answers to the server's questions (MRTR) before it is cancelled.",
    GROUP,
  ),
  maxInputWaits: option({
    hint: '<n>',
    default: 64,
    description: '2026-07-28 calls allowed to wait for client input at once; more get HTTP 503 with Retry-After.',
    parse: (raw) => parseInteger(raw, 1, 1_000_000),
    group: GROUP,
  }),
} as const;

// The facts of one traced tools/call of the echo tool on a 2025-11-25 session, for the tracing tests; any field can
// be overridden.

import type { MessageFacts } from '../../src/tracing/attributes.ts';

export const echoCallFacts = (overrides: Partial<MessageFacts> = {}): MessageFacts => ({
  method: 'tools/call',
  target: 'echo',
  uri: undefined,
  id: 1,
  era: 'legacy-session',
  protocolVersion: '2025-11-25',
  sessionId: 's',
  peerSource: 'anonymous',
  peerSpiffe: undefined,
  httpVersion: '1.1',
  clientAddress: '127.0.0.1',
  clientPort: 5000,
  ...overrides,
});

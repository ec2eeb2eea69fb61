// The request context of a 2025-11-25 session's request from an anonymous caller, untraced: what the router and
// upstream unit tests hand in with each message.

import { ANONYMOUS, NO_TRACE, type RequestContext } from '../../sidecar/src/context.ts';

export const sessionContext = <S>(sink: S, sessionId = 's1'): RequestContext<S> => ({
  era: 'legacy-session',
  protocolVersion: '2025-11-25',
  sessionId,
  identity: ANONYMOUS,
  access: undefined,
  trace: NO_TRACE,
  sink,
});

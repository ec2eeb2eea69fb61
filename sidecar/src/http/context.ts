// What the HTTP handlers share.

import type { BridgeConfig } from '@mcp-sidecar/contract';

import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { SessionManager } from '../session/session-manager.ts';
import type { LegacyStream } from '../session/session.ts';
import type { RequestGuards } from './guards.ts';

export interface HttpContext {
  readonly config: BridgeConfig;
  readonly sessions: SessionManager;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly guards: RequestGuards;
  /** Legacy SSE connections opened with GET /sse that have not sent initialize yet, by session id. */
  readonly legacyWaiting: Map<string, LegacyStream>;
  /** Set on SIGTERM: new sessions are refused while in-flight requests finish. */
  draining: boolean;
}

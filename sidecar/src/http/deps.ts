// What the HTTP layer is given: the configuration, the session table and the modern service (the only things it
// talks to), metrics, the logger, and the shutdown flag.

import type { BridgeConfig } from '@mcp-sidecar/contract';

import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { ModernService } from '../modern/service.ts';
import type { LegacyStream } from '../session/legacy-stream.ts';
import type { SessionManager } from '../session/session-manager.ts';

export interface HttpDeps {
  readonly config: BridgeConfig;
  readonly sessions: SessionManager;
  /** Serves 2026-07-28 requests (no session). */
  readonly modern: ModernService;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Legacy SSE connections opened with GET /sse that have not sent initialize yet, by session id. */
  readonly legacyWaiting: Map<string, LegacyStream>;
  /** With --auth token|jwt: the RFC 9728 protected-resource metadata document. */
  readonly metadata: (() => Record<string, unknown>) | undefined;
  /** Set on SIGTERM: new sessions are refused while in-flight requests finish. */
  draining: boolean;
}

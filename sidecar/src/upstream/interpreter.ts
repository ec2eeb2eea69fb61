// Performs the router's effects: the one place where a routing decision becomes I/O (a line to the server, an
// event on a client's stream, a message for a session, an answer to the bridge's own request, a counted drop).

import type { JsonRpcMessage, JsonRpcResponse } from '@mcp-sidecar/protocol';

import type { ResponseSink } from '../context.ts';
import type { DropReason, Effect } from '../router/types.ts';

export type DeniedEffect = Extract<Effect<unknown>, { kind: 'denied' }>;

/** What a `notify` effect is delivered to: the session (its standalone stream, or the legacy SSE stream). */
export interface SessionOwner {
  notify(message: JsonRpcMessage): void;
}

export interface EffectTargets {
  toUpstream(message: JsonRpcMessage): void;
  internal(id: number, response: JsonRpcResponse): void;
  dropped(reason: DropReason, detail: string, expected: boolean): void;
  denied(effect: DeniedEffect): void;
}

export function perform(effects: readonly Effect<ResponseSink, SessionOwner>[], targets: EffectTargets): void {
  for (const effect of effects) {
    switch (effect.kind) {
      case 'upstream':
        targets.toUpstream(effect.message);
        break;
      case 'deliver':
        effect.stream.deliver(effect.message, effect.final);
        break;
      case 'notify':
        effect.owner.notify(effect.message);
        break;
      case 'end':
        effect.stream.end();
        break;
      case 'internal':
        targets.internal(effect.id, effect.response);
        break;
      case 'dropped':
        targets.dropped(effect.reason, effect.detail, effect.expected ?? false);
        break;
      case 'denied':
        targets.denied(effect);
    }
  }
}

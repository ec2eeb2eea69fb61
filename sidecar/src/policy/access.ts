// The policy as it applies to one caller: which of its requests are refused (the router asks before forwarding),
// and what its list results show (a filter on the answer's way to the caller; the router's list cache keeps the
// server's full list, so in shared mode each caller gets its own view of the one cached list).

import type { JsonRpcMessage, JsonRpcRequest } from '@mcp-sidecar/protocol';

import type { Access, Denial, Identity, ResponseSink } from '../context.ts';
import { callerName } from '../identity/identity.ts';
import { type CompiledPolicy, decide, type Kind, type Rule, rulesFor } from './policy.ts';

/** What a request is about, for the policy: tools/call names a tool, resources/read a URI, and so on. */
function subjectOf(request: JsonRpcRequest): [Kind, string] | undefined {
  const params = request.params;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  switch (request.method) {
    case 'tools/call':
      return ['tool', text(params?.name) ?? ''];
    case 'prompts/get':
      return ['prompt', text(params?.name) ?? ''];
    case 'resources/read':
    case 'resources/subscribe':
      return ['resource', text(params?.uri) ?? ''];
    case 'completion/complete': {
      const ref = params?.ref as { type?: unknown; name?: unknown; uri?: unknown } | undefined;
      if (ref?.type === 'ref/prompt') return ['prompt', text(ref.name) ?? ''];
      return ref?.type === 'ref/resource' ? ['resource', text(ref.uri) ?? ''] : undefined;
    }
    default:
      return undefined;
  }
}

/** The lists a caller sees filtered: the result field holding the items, and the item's name field. */
const LISTS: Readonly<Record<string, { field: string; key: string; kind: Kind }>> = {
  'tools/list': { field: 'tools', key: 'name', kind: 'tool' },
  'prompts/list': { field: 'prompts', key: 'name', kind: 'prompt' },
  'resources/list': { field: 'resources', key: 'uri', kind: 'resource' },
};

/** Decisions are remembered per caller up to this many names (a caller's view is re-made when the policy changes). */
const MAX_REMEMBERED = 1024;

export class CallerAccess implements Access {
  readonly caller: string;
  readonly #policy: CompiledPolicy;
  readonly #rules: readonly Rule[];
  readonly #decisions = new Map<string, Denial | null>();

  constructor(policy: CompiledPolicy, identity: Identity) {
    this.#policy = policy;
    this.#rules = rulesFor(policy, identity);
    this.caller = callerName(identity);
  }

  decide(kind: Kind, name: string): Denial | undefined {
    const key = `${kind}\u0000${name}`;
    const known = this.#decisions.get(key);
    if (known !== undefined) return known ?? undefined;
    const denial = decide(this.#policy, this.#rules, kind, name);
    if (this.#decisions.size < MAX_REMEMBERED) this.#decisions.set(key, denial ?? null);
    return denial;
  }

  denial(request: JsonRpcRequest): Denial | undefined {
    const subject = subjectOf(request);
    return subject ? this.decide(...subject) : undefined;
  }

  /** The sink of a request whose answer is a list this caller sees filtered; other sinks come back unchanged. */
  filtering(method: string, sink: ResponseSink): ResponseSink {
    const list = LISTS[method];
    if (!list) return sink;
    const filter = (message: JsonRpcMessage): JsonRpcMessage => {
      const result = 'result' in message ? (message.result as Record<string, unknown> | undefined) : undefined;
      const items = result?.[list.field];
      if (!Array.isArray(items)) return message;
      const visible = items.filter((item: Record<string, unknown>) => {
        const name = item?.[list.key];
        return typeof name === 'string' && this.decide(list.kind, name) === undefined;
      });
      // A new answer: the router's cache keeps the full list it was handed.
      return { ...message, result: { ...result, [list.field]: visible } };
    };
    return {
      deliver: (message, final) => sink.deliver(final ? filter(message) : message, final),
      end: () => sink.end(),
    };
  }
}

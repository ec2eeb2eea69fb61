// The session router as a pure state machine: messages in, effects out. No I/O, no timers.

import type { JsonRpcMessage } from '@mcp-sidecar/protocol';
import { classify } from '@mcp-sidecar/protocol';
import { describe, expect, it } from 'vitest';

import type { RequestContext } from '../src/context.ts';
import { Router } from '../src/router/router.ts';
import { ALL_CAPABILITIES, type ClientCapabilities, type Effect, type RouterSession } from '../src/router/types.ts';
import { sessionContext } from '../../test/helpers/request-context.ts';

type Stream = { readonly name: string };
const stream = (name: string): Stream => ({ name });

// The session layer holds each session's RouterSession and a context per request; these stand in for it, by name.
const routes = new WeakMap<Router<Stream>, Map<string, RouterSession<Stream>>>();
const routeOf = (router: Router<Stream>, id: string) => routes.get(router)!.get(id)!;
const contextOf = (sink: Stream, sessionId: string): RequestContext<Stream> => sessionContext(sink, sessionId);
function openSession(router: Router<Stream>, id: string, capabilities: ClientCapabilities): void {
  if (!routes.has(router)) routes.set(router, new Map());
  routes.get(router)!.set(id, router.openSession(id, capabilities, id));
}
const fromClient = (router: Router<Stream>, id: string, message: ReturnType<typeof classify>, sink: Stream) =>
  router.fromClient(routeOf(router, id), contextOf(sink, id), message as Exclude<typeof message, { kind: 'invalid' }>);
const closeSession = (router: Router<Stream>, id: string) => router.closeSession(routeOf(router, id));

const message = (value: object) => {
  const classified = classify(structuredClone(value));
  if (classified.kind === 'invalid') throw new Error(classified.reason);
  return classified;
};
const request = (id: string | number, method: string, params?: object) =>
  message({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
const notification = (method: string, params?: object) =>
  message({ jsonrpc: '2.0', method, ...(params ? { params } : {}) });
const response = (id: string | number, result: object = {}) => message({ jsonrpc: '2.0', id, result });

const upstreamMessages = (effects: Effect<Stream>[]) =>
  effects.flatMap((effect) => (effect.kind === 'upstream' ? [effect.message] : []));
const only = <T>(items: T[]): T => {
  expect(items).toHaveLength(1);
  return items[0]!;
};
const sentUpstream = (effects: Effect<Stream>[]) => only(upstreamMessages(effects)) as JsonRpcMessage & { id: number };

/** Lets the upstream answer whatever the effects forwarded, so nothing stays in flight. */
function answered(router: Router<Stream>, effects: Effect<Stream>[]): void {
  for (const sent of upstreamMessages(effects)) if ('id' in sent) router.fromUpstream(response(sent.id));
}

function sharedRouter(sessions = ['a', 'b']) {
  const router = new Router<Stream>({ exclusive: false });
  for (const id of sessions) openSession(router, id, ALL_CAPABILITIES);
  return router;
}

describe('id rewriting', () => {
  it('gives two sessions using the same id distinct upstream ids and restores each', () => {
    const router = sharedRouter();
    const [sa, sb] = [stream('a'), stream('b')];
    const a = sentUpstream(fromClient(router, 'a', request(1, 'tools/call', { name: 'x' }), sa));
    const b = sentUpstream(fromClient(router, 'b', request(1, 'tools/call', { name: 'x' }), sb));
    expect(a.id).not.toBe(b.id);
    const toB = router.fromUpstream(response(b.id, { who: 'b' }));
    expect(toB).toEqual([
      { kind: 'deliver', stream: sb, message: { jsonrpc: '2.0', id: 1, result: { who: 'b' } }, final: true },
    ]);
    const toA = router.fromUpstream(response(a.id, { who: 'a' }));
    expect(toA).toEqual([
      { kind: 'deliver', stream: sa, message: { jsonrpc: '2.0', id: 1, result: { who: 'a' } }, final: true },
    ]);
  });

  it('keeps the JSON type of an id: "1" comes back as a string, 1 as a number', () => {
    const router = sharedRouter(['a']);
    const str = sentUpstream(fromClient(router, 'a', request('1', 'ping'), stream('s')));
    const num = sentUpstream(fromClient(router, 'a', request(1, 'ping'), stream('n')));
    const back = [...router.fromUpstream(response(num.id)), ...router.fromUpstream(response(str.id))];
    expect(back.map((e) => (e.kind === 'deliver' ? (e.message as { id: unknown }).id : undefined))).toEqual([1, '1']);
  });

  it('drops a response that matches no request, and says so', () => {
    const router = sharedRouter();
    expect(router.fromUpstream(response(999))).toEqual([
      { kind: 'dropped', reason: 'unknown_response', detail: expect.stringContaining('999') as string },
    ]);
  });
});

describe('progress', () => {
  it('rewrites the token upstream and restores it on each notification, to the request stream', () => {
    const router = sharedRouter();
    const [sa, sb] = [stream('a'), stream('b')];
    const up = (session: string, s: Stream) =>
      sentUpstream(
        fromClient(router, session, request(7, 'tools/call', { name: 't', _meta: { progressToken: 'tok' } }), s),
      );
    const a = up('a', sa) as unknown as { id: number; params: { _meta: { progressToken: unknown } } };
    const b = up('b', sb) as unknown as { id: number; params: { _meta: { progressToken: unknown } } };
    expect(a.params._meta.progressToken).toBe(a.id);
    expect(b.params._meta.progressToken).toBe(b.id);
    const progress = router.fromUpstream(notification('notifications/progress', { progressToken: b.id, progress: 1 }));
    expect(progress).toEqual([
      {
        kind: 'deliver',
        stream: sb,
        final: false,
        message: { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'tok', progress: 1 } },
      },
    ]);
  });

  it('drops progress for a finished request', () => {
    const router = sharedRouter(['a']);
    const sent = sentUpstream(
      fromClient(router, 'a', request(1, 'tools/call', { _meta: { progressToken: 1 } }), stream('s')),
    );
    router.fromUpstream(response(sent.id));
    const late = router.fromUpstream(notification('notifications/progress', { progressToken: sent.id, progress: 2 }));
    expect(late[0]?.kind).toBe('dropped');
  });
});

describe('cancellation', () => {
  it('maps the client request id to the upstream id and ends the request stream', () => {
    const router = sharedRouter();
    const s = stream('a');
    const sent = sentUpstream(fromClient(router, 'a', request('r1', 'tools/call'), s));
    const effects = fromClient(
      router,
      'a',
      notification('notifications/cancelled', { requestId: 'r1', reason: 'x' }),
      s,
    );
    expect(effects).toEqual([
      {
        kind: 'upstream',
        message: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: sent.id, reason: 'x' } },
      },
      { kind: 'end', stream: s },
    ]);
    expect(router.inflight).toBe(0);
    expect(router.fromUpstream(response(sent.id))[0]?.kind).toBe('dropped');
  });

  it("ignores a cancel for another session's request id", () => {
    const router = sharedRouter();
    sentUpstream(fromClient(router, 'a', request(5, 'tools/call'), stream('a')));
    expect(fromClient(router, 'b', notification('notifications/cancelled', { requestId: 5 }), stream('b'))).toEqual([]);
    expect(router.inflight).toBe(1);
  });
});

describe('log messages', () => {
  it('go to the only request in flight', () => {
    const router = sharedRouter();
    const s = stream('a');
    fromClient(router, 'a', request(1, 'tools/call'), s);
    const log = router.fromUpstream(notification('notifications/message', { level: 'info', data: 'x' }));
    expect(log).toEqual([
      {
        kind: 'deliver',
        stream: s,
        final: false,
        message: expect.objectContaining({ method: 'notifications/message' }) as unknown,
      },
    ]);
  });

  it('with several in flight, go to the GET streams of sessions that asked for that level', () => {
    const router = sharedRouter(['a', 'b', 'c']);
    for (const [id, level] of [
      ['a', 'debug'],
      ['b', 'error'],
    ] as const) {
      const set = fromClient(router, id, request(`lvl-${id}`, 'logging/setLevel', { level }), stream(id));
      const forwarded = upstreamMessages(set);
      if (forwarded.length) router.fromUpstream(response((forwarded[0] as { id: number }).id));
    }
    fromClient(router, 'a', request(1, 'tools/call'), stream('a'));
    fromClient(router, 'b', request(1, 'tools/call'), stream('b'));
    const warning = router.fromUpstream(notification('notifications/message', { level: 'warning', data: 'w' }));
    expect(warning.map((e) => (e.kind === 'notify' ? e.sessionId : e.kind))).toEqual(['a']);
    const error = router.fromUpstream(notification('notifications/message', { level: 'error', data: 'e' }));
    expect(error.map((e) => (e.kind === 'notify' ? e.sessionId : e.kind))).toEqual(['a', 'b']);
  });

  it('in exclusive (per-session) mode reach the one session even if it never set a level', () => {
    const router = new Router<Stream>({ exclusive: true });
    openSession(router, 'only', ALL_CAPABILITIES);
    const effects = router.fromUpstream(notification('notifications/message', { level: 'debug', data: 'd' }));
    expect(effects.map((e) => e.kind === 'notify' && e.sessionId)).toEqual(['only']);
  });
});

describe('logging/setLevel on a shared upstream', () => {
  it('sets the upstream to the most verbose level any session asked for, and answers others locally', () => {
    const router = sharedRouter();
    const first = fromClient(router, 'a', request(1, 'logging/setLevel', { level: 'error' }), stream('a'));
    expect(sentUpstream(first)).toMatchObject({ params: { level: 'error' } });
    const second = fromClient(router, 'b', request(1, 'logging/setLevel', { level: 'debug' }), stream('b'));
    expect(sentUpstream(second)).toMatchObject({ params: { level: 'debug' } });
    const third = fromClient(router, 'a', request(2, 'logging/setLevel', { level: 'warning' }), stream('a2'));
    expect(third).toEqual([
      { kind: 'deliver', stream: stream('a2'), final: true, message: { jsonrpc: '2.0', id: 2, result: {} } },
    ]);
  });

  it('relaxes the upstream level when the most verbose session ends', () => {
    const router = sharedRouter();
    answered(router, fromClient(router, 'a', request(1, 'logging/setLevel', { level: 'error' }), stream('a')));
    answered(router, fromClient(router, 'b', request(1, 'logging/setLevel', { level: 'debug' }), stream('b')));
    const closing = upstreamMessages(closeSession(router, 'b'));
    expect(closing).toEqual([expect.objectContaining({ method: 'logging/setLevel', params: { level: 'error' } })]);
  });
});

describe('resource subscriptions', () => {
  it('are ref-counted per URI upstream, and updates reach subscribers only', () => {
    const router = sharedRouter(['a', 'b', 'c']);
    const uri = 'test://r';
    expect(
      upstreamMessages(fromClient(router, 'a', request(1, 'resources/subscribe', { uri }), stream('a'))),
    ).toHaveLength(1);
    const second = fromClient(router, 'b', request(1, 'resources/subscribe', { uri }), stream('b'));
    expect(second).toEqual([
      { kind: 'deliver', stream: stream('b'), final: true, message: { jsonrpc: '2.0', id: 1, result: {} } },
    ]);
    const update = router.fromUpstream(notification('notifications/resources/updated', { uri }));
    expect(update.map((e) => e.kind === 'notify' && e.sessionId)).toEqual(['a', 'b']);
    expect(
      upstreamMessages(fromClient(router, 'a', request(2, 'resources/unsubscribe', { uri }), stream('a'))),
    ).toEqual([]);
    const last = upstreamMessages(fromClient(router, 'b', request(2, 'resources/unsubscribe', { uri }), stream('b')));
    expect(last).toEqual([expect.objectContaining({ method: 'resources/unsubscribe', params: { uri } })]);
  });

  it('are released upstream when the last subscriber session ends', () => {
    const router = sharedRouter();
    answered(router, fromClient(router, 'a', request(1, 'resources/subscribe', { uri: 'u' }), stream('a')));
    expect(upstreamMessages(closeSession(router, 'a'))).toEqual([
      expect.objectContaining({ method: 'resources/unsubscribe', params: { uri: 'u' } }),
    ]);
  });

  it('are restored after an upstream restart, with the log level', () => {
    const router = sharedRouter();
    fromClient(router, 'a', request(1, 'resources/subscribe', { uri: 'u' }), stream('a'));
    fromClient(router, 'b', request(2, 'logging/setLevel', { level: 'info' }), stream('b'));
    router.upstreamLost(() => ({ code: -32000, message: 'gone' }));
    expect(router.restoreRequests()).toEqual([
      { method: 'resources/subscribe', params: { uri: 'u' } },
      { method: 'logging/setLevel', params: { level: 'info' } },
    ]);
  });
});

describe('server→client requests', () => {
  it('go to the session whose request is the only one in flight, and its answer goes back upstream', () => {
    const router = sharedRouter();
    const s = stream('a');
    fromClient(router, 'a', request(1, 'tools/call'), s);
    const sampling = router.fromUpstream(request('srv-1', 'sampling/createMessage', { messages: [] }));
    expect(sampling).toEqual([
      { kind: 'deliver', stream: s, final: false, message: expect.objectContaining({ id: 'srv-1' }) as unknown },
    ]);
    expect(fromClient(router, 'b', response('srv-1'), stream('b'))[0]).toMatchObject({
      kind: 'dropped',
      reason: 'foreign_response',
    });
    expect(sentUpstream(fromClient(router, 'a', response('srv-1', { ok: true }), s))).toMatchObject({
      id: 'srv-1',
      result: { ok: true },
    });
  });

  it('are refused with a clear error when several requests are in flight on a shared upstream', () => {
    const router = sharedRouter();
    fromClient(router, 'a', request(1, 'tools/call'), stream('a'));
    fromClient(router, 'b', request(1, 'tools/call'), stream('b'));
    const effects = router.fromUpstream(request(9, 'elicitation/create', {}));
    expect(effects[0]).toMatchObject({
      kind: 'upstream',
      message: { id: 9, error: { message: expect.stringContaining('cannot tell which client') as string } },
    });
    expect(effects[1]).toMatchObject({ kind: 'dropped', reason: 'unattributable' });
  });

  it('before any client connected, are answered that none is, as a normal event (not a fault)', () => {
    const router = sharedRouter([]);
    const effects = router.fromUpstream(request(4, 'roots/list', {}));
    expect(effects[0]).toMatchObject({
      kind: 'upstream',
      message: { id: 4, error: { message: expect.stringContaining('no MCP client is connected') as string } },
    });
    expect(effects[1]).toMatchObject({ kind: 'dropped', reason: 'unattributable', expected: true });
  });

  it('are refused when the client did not declare the capability', () => {
    const router = new Router<Stream>({ exclusive: true });
    openSession(router, 'a', { sampling: false, elicitation: true, roots: true });
    fromClient(router, 'a', request(1, 'tools/call'), stream('a'));
    const effects = router.fromUpstream(request(3, 'sampling/createMessage', {}));
    expect(effects[0]).toMatchObject({ kind: 'upstream', message: { id: 3, error: { code: -32601 } } });
  });

  it('ping from the server is answered by the bridge', () => {
    const router = sharedRouter();
    expect(router.fromUpstream(request(4, 'ping'))).toEqual([
      { kind: 'upstream', message: { jsonrpc: '2.0', id: 4, result: {} } },
    ]);
  });
});

describe('initialize and list caches', () => {
  it('answers initialize from the cached result and keeps that session’s initialized notification', () => {
    const router = sharedRouter(['a']);
    const { id } = router.internalRequest('initialize', {});
    router.fromUpstream(response(id, { protocolVersion: '2025-11-25', capabilities: {} }));
    const effects = fromClient(router, 'a', request('i', 'initialize', { protocolVersion: '2025-11-25' }), stream('a'));
    expect(effects).toEqual([
      {
        kind: 'deliver',
        stream: stream('a'),
        final: true,
        message: { jsonrpc: '2.0', id: 'i', result: { protocolVersion: '2025-11-25', capabilities: {} } },
      },
    ]);
    expect(fromClient(router, 'a', notification('notifications/initialized'), stream('a'))).toEqual([]);
  });

  it('answers an older supported version with that version, and an unknown one with the upstream’s', () => {
    const router = sharedRouter(['a']);
    const { id } = router.internalRequest('initialize', {});
    router.fromUpstream(response(id, { protocolVersion: '2025-11-25', capabilities: {} }));
    const versionOf = (requested: string) => {
      const [effect] = fromClient(router, 'a', request('i', 'initialize', { protocolVersion: requested }), stream('a'));
      return effect?.kind === 'deliver'
        ? (effect.message as { result: { protocolVersion: string } }).result.protocolVersion
        : undefined;
    };
    expect(versionOf('2025-06-18')).toBe('2025-06-18');
    expect(versionOf('2024-11-05')).toBe('2024-11-05');
    expect(versionOf('2099-01-01')).toBe('2025-11-25');
  });

  it('serves tools/list from cache until list_changed, and never caches a list that changed in flight', () => {
    const router = sharedRouter(['a']);
    const first = sentUpstream(fromClient(router, 'a', request(1, 'tools/list'), stream('a')));
    router.fromUpstream(response(first.id, { tools: [{ name: 'v1' }] }));
    expect(fromClient(router, 'a', request(2, 'tools/list'), stream('a'))[0]).toMatchObject({
      kind: 'deliver',
      message: { id: 2, result: { tools: [{ name: 'v1' }] } },
    });
    router.fromUpstream(notification('notifications/tools/list_changed'));
    const refetch = sentUpstream(fromClient(router, 'a', request(3, 'tools/list'), stream('a')));
    router.fromUpstream(notification('notifications/tools/list_changed'));
    router.fromUpstream(response(refetch.id, { tools: [{ name: 'stale' }] }));
    expect(upstreamMessages(fromClient(router, 'a', request(4, 'tools/list'), stream('a')))).toHaveLength(1);
  });

  it('sends list_changed to every session', () => {
    const router = sharedRouter(['a', 'b']);
    const effects = router.fromUpstream(notification('notifications/prompts/list_changed'));
    expect(effects.map((e) => e.kind === 'notify' && e.sessionId)).toEqual(['a', 'b']);
  });
});

describe('sessions and upstream loss', () => {
  it('fails every request in flight with the error built for it, bridge requests included', () => {
    const router = sharedRouter();
    fromClient(router, 'a', request('x', 'tools/call', { name: 'slow' }), stream('a'));
    const internal = router.internalRequest('tools/list');
    const effects = router.upstreamLost((pending) => ({
      code: -32000,
      message: `lost ${pending.method} ${pending.target ?? ''}`,
    }));
    expect(effects).toEqual([
      {
        kind: 'deliver',
        stream: stream('a'),
        final: true,
        message: { jsonrpc: '2.0', id: 'x', error: { code: -32000, message: 'lost tools/call slow' } },
      },
      {
        kind: 'internal',
        id: internal.id,
        response: { jsonrpc: '2.0', id: internal.id, error: { code: -32000, message: 'lost tools/list ' } },
      },
    ]);
    expect(router.inflight).toBe(0);
  });

  it('cancels a closed session’s requests upstream', () => {
    const router = sharedRouter();
    const sent = sentUpstream(fromClient(router, 'a', request(1, 'tools/call'), stream('a')));
    expect(upstreamMessages(closeSession(router, 'a'))).toEqual([
      expect.objectContaining({
        method: 'notifications/cancelled',
        params: expect.objectContaining({ requestId: sent.id }) as unknown,
      }),
    ]);
    expect(router.hasSession(routeOf(router, 'a'))).toBe(false);
  });
});

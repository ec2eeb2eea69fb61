import { describe, expect, it } from 'vitest';

import { type SseEvent, SseReader } from '../src/index.ts';

function read(chunks: (string | Buffer)[], max = 1024): { events: SseEvent[]; oversize: [number, string][] } {
  const events: SseEvent[] = [];
  const oversize: [number, string][] = [];
  const reader = new SseReader(max, {
    onEvent: (event) => events.push(event),
    onOversize: (bytes, head) => oversize.push([bytes, head]),
  });
  for (const chunk of chunks) reader.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  reader.end();
  return { events, oversize };
}

describe('SseReader', () => {
  it('dispatches events at blank lines, with id, event, retry and multi-line data', () => {
    const { events } = read(['id: 1\nretry: 500\ndata:\n\n', 'event: message\nid: 2\ndata: {"a":\ndata: 1}\n\n']);
    expect(events).toEqual([
      { id: '1', event: undefined, data: '', retry: 500 },
      { id: '2', event: 'message', data: '{"a":\n1}', retry: undefined },
    ]);
  });

  it('drops keep-alive comments and tolerates CRLF and chunks split anywhere, even inside a UTF-8 character', () => {
    const bytes = Buffer.from(': keepalive\r\n\r\ndata: {"t":"é"}\r\n\r\n');
    const split = [bytes.subarray(0, 20), bytes.subarray(20, 27), bytes.subarray(27)];
    expect(read(split).events).toEqual([{ id: undefined, event: undefined, data: '{"t":"é"}', retry: undefined }]);
  });

  it('drops an event over the limit, reports its head, keeps its id as the cursor, and carries on', () => {
    const big = `{"id":7,"x":"${'y'.repeat(2000)}"}`;
    const { events, oversize } = read([`id: 9\ndata: ${big}\n\ndata: {"ok":1}\n\n`]);
    expect(oversize).toHaveLength(1);
    expect(oversize[0]![1]).toMatch(/^\{"id":7/);
    expect(events).toEqual([
      { id: '9', event: undefined, data: '', retry: undefined },
      { id: undefined, event: undefined, data: '{"ok":1}', retry: undefined },
    ]);
  });

  it('drops an event cut off by the end of the stream', () => {
    expect(read(['data: {"a":1}\n\ndata: {"b":2}\n']).events.map((e) => e.data)).toEqual(['{"a":1}']);
  });
});

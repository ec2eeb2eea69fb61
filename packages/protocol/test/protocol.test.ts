import { SUPPORTED_PROTOCOL_VERSIONS as SDK_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';

import {
  classify,
  exactId,
  exactProgressToken,
  idKey,
  LineReader,
  parseMessage,
  progressTokenOf,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '../src/index.ts';

function read(chunks: (string | Buffer)[], max = 1024) {
  const lines: string[] = [];
  const oversize: [number, string][] = [];
  const reader = new LineReader(max, {
    onLine: (l) => lines.push(l),
    onOversize: (n, head) => oversize.push([n, head]),
  });
  for (const chunk of chunks) reader.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  reader.end();
  return { lines, oversize };
}

describe('LineReader', () => {
  it('splits on newlines across chunks and tolerates \\r\\n and empty lines', () => {
    expect(read(['{"a":', '1}\n{"b"', ':2}\r\n\n{"c":3}']).lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('never splits a multi-byte character that straddles two chunks', () => {
    const bytes = Buffer.from('{"t":"héllo 🎉"}\n');
    const cut = bytes.indexOf(0xf0) + 2;
    expect(read([bytes.subarray(0, cut), bytes.subarray(cut)]).lines).toEqual(['{"t":"héllo 🎉"}']);
  });

  it('reports an over-long line once with its head, skips it, and carries on', () => {
    const long = `{"id":42,"x":"${'y'.repeat(3000)}"}`;
    const result = read([long.slice(0, 1000), long.slice(1000), '\n{"ok":1}\n'], 1024);
    expect(result.lines).toEqual(['{"ok":1}']);
    expect(result.oversize).toHaveLength(1);
    expect(result.oversize[0]![1]).toMatch(/^\{"id":42/);
  });

  it('reports an over-long line that arrives in one chunk', () => {
    const result = read([`${'z'.repeat(2000)}\nshort\n`], 1024);
    expect(result.oversize.map(([n]) => n)).toEqual([2000]);
    expect(result.lines).toEqual(['short']);
  });
});

describe('classify', () => {
  it('tells requests, notifications and responses apart', () => {
    expect(classify({ jsonrpc: '2.0', id: 1, method: 'ping' }).kind).toBe('request');
    expect(classify({ jsonrpc: '2.0', method: 'notifications/initialized' }).kind).toBe('notification');
    expect(classify({ jsonrpc: '2.0', id: 'a', result: {} }).kind).toBe('response');
    expect(classify({ jsonrpc: '2.0', id: 'a', error: { code: 1, message: 'x' } }).kind).toBe('response');
  });

  it('explains what is wrong with anything else', () => {
    expect(classify([{ jsonrpc: '2.0', method: 'a' }])).toEqual({
      kind: 'invalid',
      reason: 'JSON-RPC batches are not supported',
    });
    expect(classify({ jsonrpc: '1.0', id: 1, method: 'a' })).toMatchObject({ reason: 'jsonrpc must be "2.0"' });
    expect(classify({ jsonrpc: '2.0', id: null, method: 'a' })).toMatchObject({ kind: 'invalid' });
    expect(classify({ jsonrpc: '2.0', id: 1.5, result: {} })).toMatchObject({ kind: 'invalid' });
    expect(classify({ jsonrpc: '2.0', id: 1, method: 'a', params: [1] })).toMatchObject({
      reason: 'params must be an object',
    });
    expect(classify('hello')).toMatchObject({ reason: 'not an object' });
  });

  it('keys ids by JSON type', () => {
    expect(idKey(1)).not.toBe(idKey('1'));
  });
});

it('supports exactly the session-era protocol versions of the TypeScript SDK v1', () => {
  expect([...SUPPORTED_PROTOCOL_VERSIONS]).toEqual([...SDK_VERSIONS]);
});

describe('exactId and exactProgressToken', () => {
  const request = (text: string) => {
    const parsed = parseMessage(text);
    if (parsed.kind !== 'request') throw new Error(`not a request: ${text}`);
    return parsed.message;
  };
  const withToken = (id: string, token: string) =>
    `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"t","_meta":{"progressToken":${token}}}}`;

  it('give back what the client wrote when JSON.parse would change it', () => {
    for (const [id, token] of [
      ['1.0', '2e0'],
      ['12345678901234567891', '"\\u0074ok"'],
      ['"\\u0041"', '-0'],
    ] as const) {
      const message = request(withToken(id, token));
      expect(JSON.stringify({ id: exactId(message) })).toBe(`{"id":${id}}`);
      expect(JSON.stringify({ progressToken: exactProgressToken(message, progressTokenOf(message)!) })).toBe(
        `{"progressToken":${token}}`,
      );
    }
  });

  it('are the parsed values themselves when the client wrote them canonically, with or without a space', () => {
    for (const text of [withToken('7', '"t"'), withToken('"a"', '8').replace('"id":', '"id": ')]) {
      const message = request(text);
      expect(exactId(message)).toBe(message.id);
      expect(exactProgressToken(message, progressTokenOf(message)!)).toBe(progressTokenOf(message));
    }
  });

  it('find the top-level id, not an "id" nested in params', () => {
    const message = request('{"jsonrpc":"2.0","method":"m","params":{"id":1.50e1},"id":1.0}');
    expect(JSON.stringify(exactId(message))).toBe('1.0');
  });
});

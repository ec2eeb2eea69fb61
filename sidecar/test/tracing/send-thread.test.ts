// The span sender thread with the real OTLP exporter transport: an encoded request is transferred to the worker (not
// copied) and arrives at a real OTLP receiver, decoded with the OTel proto definitions; a collector that cannot be
// reached fails the export (reported to the caller, not thrown), and the thread still shuts down.

import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { afterEach, describe, expect, it } from 'vitest';

import { startOtlpReceiver } from '../../../test/helpers/otlp-receiver.ts';
import type { Logger } from '../../src/log.ts';
import { encodedMessage, encodeSpan, encodeTraceRequest, ProtoWriter } from '../../src/tracing/otlp-encoding.ts';
import { startSendThread } from '../../src/tracing/send-thread.ts';

const log = { warn: () => undefined, error: () => undefined } as unknown as Logger;
const KEYS = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TIMEOUT'];
afterEach(() => {
  for (const key of KEYS) delete process.env[key];
});

/** An export request with `count` SERVER spans, large enough to own its ArrayBuffer, or written into `reuse`. */
function request(count: number, reuse?: ArrayBuffer): Uint8Array {
  const spans = new ProtoWriter();
  for (let i = 0; i < count; i++) {
    encodeSpan(spans, {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: (0x1000 + i).toString(16).padStart(16, '0'),
      traceState: undefined,
      parentSpanId: undefined,
      parentRemote: false,
      name: `tools/call tool-${i}`,
      kind: 2,
      startMs: 1.7e12,
      endMs: 1.7e12 + 1,
      attributes: (out) => out.put('padding', 'x'.repeat(100)),
      links: [],
      error: undefined,
      traceFlags: 1,
    });
  }
  const empty = encodedMessage(() => undefined);
  return encodeTraceRequest(empty, empty, spans, reuse);
}

const sent = (send: (done: (result: ExportResult) => void) => void) => new Promise<ExportResult>(send);

describe('span sender thread', () => {
  it('sends transferred requests through the OTLP exporter to a real receiver', async () => {
    const receiver = await startOtlpReceiver();
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = receiver.url;
    const sender = await startSendThread(log);
    try {
      const bytes = request(50);
      expect(bytes.byteLength).toBeGreaterThan(4096);
      const result = await sent((done) => sender.send(bytes, 50, done));
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(bytes.byteLength).toBe(0); // transferred: the buffer now belongs to the worker
      expect(receiver.spans.map((span) => span.name)).toEqual(
        Array.from({ length: 50 }, (_, i) => `tools/call tool-${i}`),
      );
      // The buffer comes back once sent, and the next request is written into it and arrives whole.
      const spare = sender.takeSpare();
      expect(spare?.byteLength).toBeGreaterThan(4096);
      expect(sender.takeSpare()).toBeUndefined();
      const second = request(30, spare);
      expect(second.buffer).toBe(spare);
      expect((await sent((done) => sender.send(second, 30, done))).code).toBe(ExportResultCode.SUCCESS);
      expect(receiver.spans.slice(50).map((span) => span.name)).toEqual(
        Array.from({ length: 30 }, (_, i) => `tools/call tool-${i}`),
      );
    } finally {
      await sender.shutdown();
      await receiver.close();
    }
  });

  it('reports an export to an unreachable collector as failed, and still shuts down', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = `http://127.0.0.1:${port}`;
    process.env['OTEL_EXPORTER_OTLP_TIMEOUT'] = '500';
    const sender = await startSendThread(log);
    const result = await sent((done) => sender.send(request(2), 2, done));
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error?.message).toBeTruthy();
    expect(sender.takeSpare()).toBeUndefined(); // a failed request's buffer may still be held by its socket
    await sender.shutdown();
  });
});

// BoundedWriter against a real socket: a client that reads, one that pauses and comes back, one that never reads.
// Filling the kernel's buffers on loopback takes a few megabytes, so events here are 64 KiB.

import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterEach, describe, expect, it } from 'vitest';

import { BoundedWriter, BufferBudget, type HeldBack, type StreamBounds } from '../../src/session/bounded-writer.ts';
import { startSse } from '../../src/session/sse.ts';

const EVENT = `data: ${'x'.repeat(64 * 1024)}\n\n`;

interface Setup {
  readonly server: Server;
  readonly res: ServerResponse;
  readonly client: Socket;
  readonly writer: BoundedWriter;
  readonly ended: { stream: string; held: HeldBack }[];
  /** Everything the client has read so far. */
  readonly received: () => number;
}

let open: Setup | undefined;
afterEach(() => {
  open?.client.destroy();
  open?.server.close();
  open = undefined;
});

async function setup(
  bounds: { maxEvents: number; maxBytes: number; budget?: BufferBudget },
  reading: boolean,
): Promise<Setup> {
  const ended: Setup['ended'] = [];
  const budget = bounds.budget ?? new BufferBudget(1024 * 1024 * 1024);
  const full: StreamBounds = { ...bounds, budget, slowReader: (stream, held) => ended.push({ stream, held }) };
  let accepted!: (res: ServerResponse) => void;
  const response = new Promise<ServerResponse>((resolve) => (accepted = resolve));
  const server = createServer((_req, res) => {
    startSse(res, {}, true);
    accepted(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const client = connect(port, '127.0.0.1');
  let received = 0;
  client.on('data', (chunk: Buffer) => (received += chunk.length));
  client.on('error', () => undefined);
  client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const res = await response;
  await sleep(20);
  if (!reading) client.pause();
  open = { server, res, client, writer: new BoundedWriter(res, full, 'test'), ended, received: () => received };
  return open;
}

/** Writes events until the writer holds some back (the socket's buffers are full), at most `max`. */
function fillUntilHeld(writer: BoundedWriter, max = 1_000): number {
  let written = 0;
  while (writer.backlog.events === 0 && written < max) {
    writer.write(EVENT);
    written++;
  }
  return written;
}

describe('BoundedWriter', () => {
  it('a reader that keeps up gets every event at once, nothing is held', async () => {
    const { writer, received } = await setup({ maxEvents: 4, maxBytes: 1024 }, true);
    for (let i = 0; i < 50; i++) {
      writer.write(EVENT);
      await sleep(1);
    }
    expect(writer.backlog).toEqual({ events: 0, bytes: 0 });
    await sleep(50);
    expect(received()).toBeGreaterThan(50 * EVENT.length);
  });

  it('holds events while the reader pauses and writes them, in order, once it reads again', async () => {
    const { writer, client, received } = await setup({ maxEvents: 100, maxBytes: 100 * EVENT.length }, false);
    const direct = fillUntilHeld(writer);
    writer.write(EVENT);
    expect(writer.backlog.events).toBe(2);
    client.resume();
    await sleep(200);
    expect(writer.backlog.events).toBe(0);
    expect(writer.open).toBe(true);
    expect(received()).toBeGreaterThan((direct + 1) * EVENT.length);
  });

  it('ends the stream once the reader is further behind than the bounds, reports it once, frees what it held', async () => {
    const { writer, client, ended } = await setup({ maxEvents: 3, maxBytes: 100 * EVENT.length }, false);
    const closed = new Promise((resolve) => client.once('end', resolve));
    fillUntilHeld(writer);
    writer.write(EVENT);
    writer.write(EVENT);
    expect(writer.open).toBe(true);
    writer.write(EVENT);
    expect(writer.open).toBe(false);
    expect(writer.backlog).toEqual({ events: 0, bytes: 0 });
    writer.write(EVENT);
    expect(ended).toEqual([{ stream: 'test', held: { events: 4, bytes: 4 * EVENT.length } }]);
    client.resume();
    await closed;
  });

  it('takes one event larger than the byte bound when nothing else is held, and ends after it is written', async () => {
    const { writer, client, res, ended } = await setup({ maxEvents: 10, maxBytes: 1024 }, false);
    fillUntilHeld(writer);
    expect(writer.open).toBe(true);
    writer.end();
    expect(res.writableEnded).toBe(false);
    client.resume();
    await new Promise((resolve) => res.once('finish', resolve));
    expect(ended).toEqual([]);
  });

  it('streams share --max-stream-buffers: past it the stream that needs more is ended, and what it held is given back', async () => {
    const budget = new BufferBudget(3 * EVENT.length);
    const { writer, ended } = await setup({ maxEvents: 100, maxBytes: 100 * EVENT.length, budget }, false);
    fillUntilHeld(writer);
    writer.write(EVENT);
    writer.write(EVENT);
    expect(budget.used).toBe(3 * EVENT.length);
    expect(writer.open).toBe(true);
    writer.write(EVENT);
    expect(writer.open).toBe(false);
    expect(ended).toHaveLength(1);
    expect(budget.used).toBe(0);
  });

  it('keep-alives are skipped while the reader is behind; close() cuts a reader that is behind', async () => {
    const { writer, res } = await setup({ maxEvents: 10, maxBytes: 100 * EVENT.length }, false);
    fillUntilHeld(writer);
    const before = res.writableLength;
    writer.keepalive(': keepalive\n\n');
    expect(res.writableLength).toBe(before);
    writer.close();
    expect(res.destroyed).toBe(true);
  });
});

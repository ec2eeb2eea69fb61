// Helpers for the fault and abuse suite: a real bridge as a child process (so its RSS and CPU can be read from
// /proc), raw sockets that misbehave (never read, trickle bytes), and a reader for the admin port's metrics.

import { connect, type Socket } from 'node:net';

import { CLK_TCK, readStat, treeMemory } from '../bench/proc-stats.ts';
import { type BridgeProcess, fixtureCommand, spawnBridge } from '../helpers/bridge-process.ts';

/** A bridge in front of test/fixtures/abuse-server.ts, with extra options. */
export const spawnAbuseBridge = (args: readonly string[] = []): Promise<BridgeProcess> =>
  spawnBridge([...args, '--', ...fixtureCommand('abuse-server.ts')]);

/** Resident memory of the bridge process itself, in MB. */
export const rssMb = (bridge: BridgeProcess): number => treeMemory(bridge.child.pid!).rootRssKb / 1024;

/** CPU seconds the bridge process itself has used so far (user + system). */
export function cpuSeconds(bridge: BridgeProcess): number {
  const stat = readStat(bridge.child.pid!);
  return stat ? stat.ticks / CLK_TCK : 0;
}

/** One sample of a Prometheus counter or gauge from /metrics (0 when it has no sample yet). */
export async function metric(adminUrl: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** A TCP connection to the bridge's MCP port. */
export async function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined); // a reset is what some tests expect
  return socket;
}

/** Reads what is left on a socket the test stopped reading, and resolves once the bridge has closed it. */
export function drainToClose(socket: Socket): Promise<void> {
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('data', () => undefined);
  socket.resume();
  return closed;
}

/** Resolves with the time (performance.now()) the socket was closed, by either side. */
export const whenClosed = (socket: Socket): Promise<number> =>
  new Promise((resolve) => socket.once('close', () => resolve(performance.now())));

/**
 * Sends a request on a raw socket, reads the answer until `until` matches what came, and then stops reading:
 * everything after that piles up in the kernel's buffers and then in the bridge, unless the bridge bounds it.
 * A paused socket never sees the bridge close it; resume() it to read up to the end.
 */
export async function nonReadingRequest(
  url: string,
  request: { method?: string; headers: Record<string, string>; body?: string; until?: RegExp },
): Promise<Socket & { readonly head: string }> {
  const socket = await openSocket(url);
  const { host, pathname, search } = new URL(url);
  const length = request.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(request.body)) };
  const lines = Object.entries({ host, ...request.headers, ...length }).map(([k, v]) => `${k}: ${v}`);
  socket.write(`${request.method ?? 'GET'} ${pathname}${search} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
  if (request.body !== undefined) socket.write(request.body);
  let head = '';
  const until = request.until ?? /\r\n\r\n/;
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!until.test(head)) return;
      socket.off('data', onData);
      socket.pause();
      resolve();
    };
    socket.on('data', onData);
  });
  return Object.assign(socket, { head });
}

export { fixtureCommand };

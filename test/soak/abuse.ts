// The long versions of two abuse runs of test/abuse, for the soak: a GET stream that is never read while the server
// floods notifications for 30 s (judged: ≤ 100 MB of RSS growth), and a server flooding its stdout for 10 s (judged:
// ≤ 1,000 log lines and ≤ 100 MB). Figures are returned for the soak's table.

import { setTimeout as sleep } from 'node:timers/promises';

import { drainToClose, cpuSeconds, metric, nonReadingRequest, rssMb, spawnAbuseBridge } from '../abuse/support.ts';
import { openRawSession } from '../helpers/mcp-http.ts';

export interface AbuseFigures {
  readonly run: string;
  readonly seconds: number;
  readonly rssBeforeMb: number;
  readonly rssPeakMb: number;
  readonly rssAfterMb: number;
  readonly detail: string;
}

/** 30 s of 1 KB list_changed notifications, 20,000 a second, to a session whose GET stream is never read. */
export async function nonReadingFlood(seconds = 30): Promise<AbuseFigures> {
  const bridge = await spawnAbuseBridge();
  try {
    const session = await openRawSession(bridge.url);
    const headers = { accept: 'text/event-stream', 'mcp-session-id': session.id, 'mcp-protocol-version': '2025-11-25' };
    const socket = await nonReadingRequest(bridge.url, { headers });
    const before = rssMb(bridge);
    const flood = { name: 'flood_notifications', arguments: { ms: seconds * 1000, bytes: 1000, perSecond: 20_000 } };
    await session.call('tools/call', flood);
    let peak = before;
    for (let t = 0; t < seconds * 10; t++) {
      await sleep(100);
      peak = Math.max(peak, rssMb(bridge));
    }
    await drainToClose(socket);
    await sleep(1_000);
    const ended = await metric(bridge.adminUrl, 'mcp_sidecar_streams_ended_total', 'reason="slow_reader"');
    const dropped = await metric(bridge.adminUrl, 'mcp_sidecar_messages_dropped_total', 'reason="queue_overflow"');
    const detail = `streams ended for a slow reader: ${ended}; events pushed out of the store unread: ${dropped}`;
    return {
      run: 'GET never read, notifications flood',
      seconds,
      rssBeforeMb: before,
      rssPeakMb: peak,
      rssAfterMb: rssMb(bridge),
      detail,
    };
  } finally {
    await bridge.kill();
  }
}

/** 10 s of non-JSON lines on the server's stdout, as fast as the pipe takes them. */
export async function stdoutFlood(seconds = 10): Promise<AbuseFigures> {
  const bridge = await spawnAbuseBridge();
  try {
    const session = await openRawSession(bridge.url);
    const linesBefore = bridge.output().split('\n').length;
    const before = rssMb(bridge);
    const cpuBefore = cpuSeconds(bridge);
    let peak = before;
    const flooding = session.call('tools/call', { name: 'flood_stdout', arguments: { ms: seconds * 1000 } });
    let done = false;
    void flooding.finally(() => (done = true));
    while (!done) {
      await sleep(100);
      peak = Math.max(peak, rssMb(bridge));
    }
    const written = /wrote (\d+) lines/.exec(JSON.stringify((await flooding).result))?.[1];
    await sleep(5_500); // the last summary line
    const logged = bridge.output().split('\n').length - linesBefore;
    const cpu = (cpuSeconds(bridge) - cpuBefore).toFixed(1);
    const detail = `server wrote ${written} lines; the bridge logged ${logged} lines and used ${cpu} CPU-s`;
    return { run: 'stdout flood', seconds, rssBeforeMb: before, rssPeakMb: peak, rssAfterMb: rssMb(bridge), detail };
  } finally {
    await bridge.kill();
  }
}

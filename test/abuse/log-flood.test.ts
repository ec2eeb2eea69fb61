// Defect 5 of issue 12: a server flooding its stdout with text for 10 s made the bridge log 440,326 lines (183 MB),
// burn 11.6 CPU-seconds and grow to 678 MB. Now a child's stderr and non-JSON stdout lines are logged at most
// --upstream-log-rate a second per source (bursts of twice that), the rest counted in a summary line every 5 s at
// most, and a line that does not start as a JSON object costs no JSON.parse. Judged: ≤ 1,000 log lines and
// ≤ 100 MB of growth for a 10 s flood; this run floods stdout and stderr together for 3 s.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BridgeProcess } from '../helpers/bridge-process.ts';
import { openRawSession } from '../helpers/mcp-http.ts';
import { cpuSeconds, rssMb, spawnAbuseBridge } from './support.ts';

const FLOOD_MS = 3_000;

describe('log flood control (issue 12, defect 5)', () => {
  let bridge: BridgeProcess;
  beforeAll(async () => {
    bridge = await spawnAbuseBridge();
  });
  afterAll(() => bridge?.kill());

  it('a server flooding stdout and stderr costs a bounded number of log lines, memory and CPU', async () => {
    const session = await openRawSession(bridge.url);
    const linesBefore = bridge.output().split('\n').length;
    const rssBefore = rssMb(bridge);
    const cpuBefore = cpuSeconds(bridge);
    const [stdout] = await Promise.all([
      session.call('tools/call', { name: 'flood_stdout', arguments: { ms: FLOOD_MS } }),
      session.call('tools/call', { name: 'flood_stderr', arguments: { ms: FLOOD_MS } }),
    ]);
    const written = Number(/wrote (\d+) lines/.exec(JSON.stringify(stdout.result))?.[1]);
    const cpu = cpuSeconds(bridge) - cpuBefore;
    const growth = rssMb(bridge) - rssBefore;
    expect((await session.call('tools/call', { name: 'echo', arguments: { message: 'ok' } })).result).toBeDefined();
    // Stopping the bridge ends the server, which reports what is still counted (summaries come every 5 s at most).
    await bridge.stop();
    const lines = bridge
      .output()
      .split('\n')
      .slice(linesBefore - 1);
    expect(written).toBeGreaterThan(50_000);
    // 2 sources × (3 s × 20 lines/s + a burst of 40) + summaries + the bridge's own lines.
    expect(lines.length).toBeLessThan(250);
    expect(growth).toBeLessThan(50);
    // Reading and splitting the flood is all the bridge does with it.
    expect(cpu).toBeLessThan(FLOOD_MS / 1000);
    const summaries = lines.filter((line) => line.includes('(over --upstream-log-rate)'));
    const counted = (stream: string) =>
      summaries
        .map((line) => JSON.parse(line) as { stream: string; suppressed: number })
        .filter((summary) => summary.stream === stream)
        .reduce((sum, summary) => sum + summary.suppressed, 0);
    expect(counted('stdout')).toBeGreaterThan(written - 200);
    expect(counted('stderr')).toBeGreaterThan(0);
  });
});

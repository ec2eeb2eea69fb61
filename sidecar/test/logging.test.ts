// Logs: pino JSON, one line per session start and end, message bodies only at debug.

import { afterEach, expect, it } from 'vitest';

import { type BridgeProcess, fixtureCommand, spawnBridge, waitFor } from '../../test/helpers/bridge-process.ts';
import { openRawSession } from '../../test/helpers/mcp-http.ts';

const running: BridgeProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((bridge) => bridge.stop()));
});

const entries = (bridge: BridgeProcess) =>
  bridge
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

it.each(['info', 'debug'])('at %s: session start and end lines; bodies only at debug', async (level) => {
  const bridge = await spawnBridge(['--log-level', level, '--', ...fixtureCommand('routing-server.ts')]);
  running.push(bridge);
  const session = await openRawSession(bridge.url);
  await session.call('tools/call', { name: 'echo', arguments: { message: 'secret-payload' } }, 'call-7');
  await fetch(bridge.url, { method: 'DELETE', headers: { 'mcp-session-id': session.id } });
  await waitFor(
    () => (entries(bridge).some((e) => e.msg === 'session ended') ? true : undefined),
    5_000,
    () => bridge.output(),
  );
  const mine = entries(bridge).filter((e) => e.session === session.id);
  expect(mine.filter((e) => e.msg === 'session started')).toHaveLength(1);
  expect(mine.filter((e) => e.msg === 'session ended')).toEqual([expect.objectContaining({ reason: 'deleted' })]);
  const withBody = mine.filter((e) => JSON.stringify(e.body ?? '').includes('secret-payload'));
  if (level === 'info') {
    expect(bridge.output()).not.toContain('secret-payload');
  } else {
    expect(withBody).toEqual([expect.objectContaining({ level: 'debug', rpc_id: 'call-7', method: 'tools/call' })]);
  }
});

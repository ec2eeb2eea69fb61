// Defect 3 of issue 12: the admin port answered any Host and Origin, and /status listed every open session id in
// full (on a 2025-11-25 session the id is the only credential: anyone reaching the admin port, a DNS-rebinding page
// on a laptop or anything on the cluster network in a pod, could take a session over). Now the admin port runs the
// MCP port's caller guards with a stricter policy, and /status and /metrics carry nothing one caller could use to act
// as another. (Bound elsewhere than loopback, IP-literal Hosts are accepted for probes: sidecar/test/http/caller.test.ts.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { sessionFingerprint } from '../../sidecar/src/health.ts';
import type { BridgeProcess } from '../helpers/bridge-process.ts';
import { openRawSession, type RawSession } from '../helpers/mcp-http.ts';
import { rawHttp } from '../helpers/sse-stream.ts';
import { spawnAbuseBridge } from './support.ts';

const PATHS = ['/status', '/metrics', '/readyz', '/livez'];

describe('the admin port (issue 12, defect 3)', () => {
  let bridge: BridgeProcess;
  let session: RawSession;
  let port: string;
  beforeAll(async () => {
    bridge = await spawnAbuseBridge();
    session = await openRawSession(bridge.url);
    port = new URL(bridge.adminUrl).port;
  });
  afterAll(() => bridge?.kill());

  const get = (path: string, headers: Record<string, string>) => rawHttp(`${bridge.adminUrl}${path}`, { headers });

  it.each(PATHS)('%s refuses a foreign Host (DNS rebinding) and any Origin, loopback ones included', async (path) => {
    for (const host of [`evil.example:${port}`, `10.1.2.3:${port}`, `127.0.0.1.evil.example:${port}`]) {
      const answer = await get(path, { host });
      expect(answer.status).toBe(403);
      expect(answer.body).toContain('--allowed-hosts');
    }
    for (const origin of ['http://evil.example', `http://127.0.0.1:${port}`, 'http://localhost:6274']) {
      const answer = await get(path, { host: `127.0.0.1:${port}`, origin });
      expect(answer.status).toBe(403);
      expect(answer.body).toContain('Origin');
    }
    expect((await get(path, { host: `localhost:${port}` })).status).toBeLessThan(400);
  });

  it('/status shows counts and fingerprints, never a session id; /metrics has no session id either', async () => {
    const status = await get('/status', { host: `127.0.0.1:${port}` });
    expect(status.status).toBe(200);
    expect(status.body).not.toContain(session.id);
    const listed = (JSON.parse(status.body) as { sessions: { open: number; list: { fingerprint: string }[] } })
      .sessions;
    expect(listed.open).toBe(1);
    expect(listed.list.map((entry) => entry.fingerprint)).toEqual([sessionFingerprint(session.id)]);
    expect(sessionFingerprint(session.id)).toMatch(/^[0-9a-f]{8}$/);
    const metrics = await get('/metrics', { host: `127.0.0.1:${port}` });
    expect(metrics.body).toContain('mcp_sidecar_sessions 1');
    expect(metrics.body).not.toContain(session.id);
  });
});

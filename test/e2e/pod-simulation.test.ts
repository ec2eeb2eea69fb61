// Pod simulation: the example manifests go through the real injector CLI, and the injected pod template runs as
// local processes under a mini-kubelet (test/e2e/pod-sim, see its README): init containers in order, the bridge as
// a native sidecar gated by its startupProbe, the unchanged server under mcp-shim, probes, restarts and pod
// deletion. An official SDK v1 client then talks to the bridge's mcp port, as another pod of the cluster would.
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, onTestFailed, test } from 'vitest';

import { REPO_ROOT, waitFor } from '../helpers/bridge-process.ts';
import { isAlive } from '../helpers/processes.ts';
import { bridgeStatus, connectV1, textOf, type V1StreamableSession } from '../helpers/sdk-clients.ts';
import { configMapsOf, injectFile, type PodTemplate, podTemplateOf } from './pod-sim/manifest.ts';
import { childrenOf, EndpointSampler, formatTree, type ProcessInfo, processTree } from './pod-sim/observe.ts';
import type { PodOptions, TerminationReport } from './pod-sim/pod.ts';
import { SimPod } from './pod-sim/pod.ts';

const EVERYTHING_YAML = join(REPO_ROOT, 'manifests/examples/server-everything.yaml');
const PYTHON_YAML = join(REPO_ROOT, 'manifests/examples/python-stdio-server.yaml');
const HTTP_YAML = join(REPO_ROOT, 'manifests/examples/http-server.yaml');
const PYTHON_PTY_YAML = join(REPO_ROOT, 'manifests/examples/python-pty-server.yaml');
const BRIDGE = 'mcp-sidecar';
const SERVER = 'server';

async function startPod(
  file: string,
  workload: string,
  injectorArgs: string[] = [],
  options: Partial<PodOptions> = {},
) {
  const manifest = await injectFile(file, injectorArgs);
  const template = podTemplateOf(manifest, 'Deployment', workload);
  const pod = await SimPod.start(template, { name: workload, configMaps: configMapsOf(manifest), ...options });
  return { template, pod };
}

const mcpUrl = (pod: SimPod): string => `http://127.0.0.1:${pod.portOf(BRIDGE, 'mcp')}/mcp`;
const adminUrl = (pod: SimPod): string => `http://127.0.0.1:${pod.portOf(BRIDGE, 'mcp-admin')}`;

/** On failure, print what the kubelet saw and the containers' logs. */
function explainOnFailure(pod: () => SimPod | undefined): void {
  onTestFailed(() => console.error(`pod record:\n${pod()?.explain() ?? '(no pod)'}`));
}

/** POD_SIM_VERBOSE=1 prints every pod's record after its suite, passed or not. */
async function terminateAndExplain(pod: SimPod | undefined): Promise<void> {
  if (pod && pod.phase !== 'Terminated') await pod.terminate();
  if (pod && process.env.POD_SIM_VERBOSE) console.log(pod.explain(400));
}

/** The `time` of the bridge's first pino line whose msg is `message`. */
function bridgeLogTime(pod: SimPod, message: string): number | undefined {
  for (const line of pod.record.logs) {
    if (line.container !== BRIDGE || !line.text.startsWith('{')) continue;
    const entry = JSON.parse(line.text) as { msg?: string; time?: string };
    if (entry.msg === message && entry.time) return Date.parse(entry.time);
  }
  return undefined;
}

/** How many of the bridge's pino lines with msg `message` were logged before `until`. */
function bridgeLogCount(pod: SimPod, message: string, until: number): number {
  return pod.record.logs.filter((line) => {
    if (line.container !== BRIDGE || !line.text.startsWith('{')) return false;
    const entry = JSON.parse(line.text) as { msg?: string; time?: string };
    return entry.msg === message && Date.parse(entry.time ?? '') < until;
  }).length;
}

/** The process running server-everything's code (npx runs it as a grandchild of the shim, below npm and sh). */
function everythingServer(shimPid: number): ProcessInfo | undefined {
  return processTree(shimPid).find((p) => /^\S*node\S* \S*mcp-server-everything/.test(p.command));
}

async function echoUntilAnswered(session: V1StreamableSession, message: string, timeoutMs: number) {
  const errors: string[] = [];
  const text = await waitFor(
    () =>
      session.client.callTool({ name: 'echo', arguments: { message } }).then(
        (result) => textOf(result),
        (error: Error) => void errors.push(error.message),
      ),
    timeoutMs,
    () => `echo never succeeded; errors: ${errors.join(' | ')}`,
  );
  return { text, errors };
}

/** Starts a 5 s tool call and resolves once the bridge has it in flight, with the call's outcome still pending. */
async function startLongCall(session: V1StreamableSession, admin: string) {
  const call = session.client
    .callTool({ name: 'trigger-long-running-operation', arguments: { duration: 5, steps: 5 } })
    .then(
      (result) => ({ result, error: undefined }),
      (error: Error) => ({ result: undefined, error }),
    );
  await waitFor(
    async () =>
      ((await bridgeStatus(admin)).shared as { inflight?: number } | undefined)?.inflight ? true : undefined,
    5_000,
    () => 'the long-running call never reached the server',
  );
  return { outcome: call };
}

function expectCleanTeardown(report: TerminationReport, pod: SimPod, pids: Iterable<number>): void {
  const summary = report.containers.map((c) => ({
    container: c.container,
    code: c.exit?.code,
    gracefully: c.gracefully,
    leftovers: c.leftovers,
  }));
  expect(summary).toEqual(
    report.containers.map((c) => ({ container: c.container, code: 0, gracefully: true, leftovers: [] })),
  );
  expect(report.stragglers).toEqual([]);
  expect(pod.processes()).toEqual([]);
  expect([...pids].filter((pid) => isAlive(pid))).toEqual([]);
}

describe('server-everything.yaml injected (native sidecar, shared mode) under the pod simulation', () => {
  let template: PodTemplate;
  let pod: SimPod | undefined;
  let readyzAtStart: EndpointSampler['samples'] = [];
  let session: V1StreamableSession;
  const seenPids = new Set<number>();
  const live = (): SimPod => pod!;

  beforeAll(async () => {
    ({ template, pod } = await startPod(EVERYTHING_YAML, 'everything'));
    const sampler = new EndpointSampler(`${adminUrl(pod)}/readyz`);
    try {
      await pod.waitReady(45_000);
    } finally {
      readyzAtStart = await sampler.stop();
    }
    session = await connectV1(mcpUrl(pod), 'pod-sim-everything');
  }, 60_000);

  afterAll(async () => {
    await session?.client.close().catch(() => undefined);
    await terminateAndExplain(pod);
  });

  test('the injected pod started in kubelet order: shim install, bridge startupProbe, then the server', () => {
    explainOnFailure(live);
    expect(template.spec.initContainers?.map((c) => [c.name, c.restartPolicy])).toEqual([
      ['mcp-shim-install', undefined],
      [BRIDGE, 'Always'],
    ]);
    const at = (source: string, reason: string) =>
      live().record.events.findIndex((e) => e.source === source && e.reason === reason);
    expect(live().record.events.find((e) => e.source === 'mcp-shim-install' && e.reason === 'Exited')?.message).toMatch(
      /code 0$/,
    );
    expect(at('mcp-shim-install', 'Exited')).toBeLessThan(at(BRIDGE, 'Started'));
    expect(at(BRIDGE, 'StartupSucceeded')).toBeLessThan(at(SERVER, 'Started'));
    expect(live().record.probes.some((p) => p.container === BRIDGE && p.kind === 'startup' && p.ok)).toBe(true);
  });

  test("the bridge's probes are exec probes: mcp-shim --probe on loopback, run in the bridge's container", () => {
    explainOnFailure(live);
    const bridge = template.spec.initContainers?.find((c) => c.name === BRIDGE);
    for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
      expect(bridge?.[kind]?.exec?.command.slice(0, 2), kind).toEqual(['/usr/local/bin/mcp-shim', '--probe']);
    }
    const attempts = live().record.probes.filter((p) => p.container === BRIDGE);
    // The startup probe failed while the bridge was starting (connection refused), then passed; readiness said 503
    // with the bridge's reason until the server was warm, then passed: the shim's answers, through the kubelet's model.
    expect(attempts.find((p) => p.kind === 'startup' && p.ok)?.detail).toMatch(
      /mcp-shim --probe http:\/\/127\.0\.0\.1:\d+\/livez .*exit 0/,
    );
    expect(attempts.find((p) => p.kind === 'readiness' && p.ok)?.detail).toMatch(/\/readyz .*exit 0/);
    const notReady = attempts.find((p) => p.kind === 'readiness' && !p.ok);
    if (notReady)
      expect(notReady.detail).toMatch(
        /exit 1 mcp-shim: probe http:\/\/127\.0\.0\.1:\d+\/readyz: HTTP 503 \{"ready":false/,
      );
  });

  test('/readyz is 503 until the server is warm, and the pod turns Ready only after', () => {
    explainOnFailure(live);
    const answered = readyzAtStart.filter((s) => s.status !== 0);
    expect(EndpointSampler.timeline(answered)).toBe('503 200');
    const warmAt = bridgeLogTime(live(), 'upstream ready');
    expect(warmAt).toBeDefined();
    const early = answered.filter((s) => s.status === 503);
    // A 503 may only answer a request sent before the bridge was warm; a 200 may only arrive after it.
    expect(early.filter((s) => s.sentAt > warmAt!)).toEqual([]);
    expect(answered.filter((s) => s.status === 200 && s.receivedAt < warmAt!)).toEqual([]);
    expect(JSON.parse(early[0]!.body)).toMatchObject({ ready: false });
    const firstReady = live().readyHistory.find((change) => change.ready);
    expect(firstReady?.time).toBeGreaterThanOrEqual(Math.max(warmAt!, early.at(-1)!.receivedAt));
  });

  test('an SDK v1 client on the mcp port lists tools and calls echo', async () => {
    explainOnFailure(live);
    const tools = (await session.client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toContain('echo');
    const result = await session.client.callTool({ name: 'echo', arguments: { message: 'hello from the pod' } });
    expect(textOf(result)).toBe('Echo: hello from the pod');
  });

  test("SIGKILL to the shim's child (the npx wrapper) alone: the server below it is stopped too, and the bridge reconnects", async () => {
    explainOnFailure(live);
    const shim = live().container(SERVER).pid!;
    const children = childrenOf(shim);
    const server = everythingServer(shim);
    expect(children, formatTree(processTree(shim))).toHaveLength(1); // shared mode: one upstream connection
    expect(server, formatTree(processTree(shim))).toBeDefined();
    const wrapper = children[0]!;
    expect(wrapper.pid).not.toBe(server!.pid);
    [shim, wrapper.pid, server!.pid].forEach((pid) => seenPids.add(pid));
    process.kill(wrapper.pid, 'SIGKILL');
    // One connection is one process tree: the shim stops what the wrapper left in its group.
    await waitFor(
      () => (isAlive(server!.pid) ? undefined : true),
      15_000,
      () => `${server!.pid} outlived its npx wrapper`,
    );
    const echo = await echoUntilAnswered(session, 'after the wrapper died', 20_000);
    expect(echo.text).toBe('Echo: after the wrapper died');
    expect(everythingServer(shim)?.pid).not.toBe(server!.pid);
    expect(live().record.logsOf(BRIDGE)).toContain('was closed by the shim');
  });

  test('SIGKILL to the server process: the in-flight call fails clearly, the bridge reconnects through the shim, /readyz recovers, the same session works', async () => {
    explainOnFailure(live);
    const admin = adminUrl(live());
    const shim = live().container(SERVER).pid!;
    const server = everythingServer(shim)!;
    const sessionId = session.transport.sessionId;
    const sampler = new EndpointSampler(`${admin}/readyz`);
    const inFlight = await startLongCall(session, admin);
    process.kill(server.pid, 'SIGKILL');

    const { error } = await inFlight.outcome;
    expect(error?.message).toMatch(/while handling tools\/call 'trigger-long-running-operation'/);
    expect(error?.message).toMatch(/restarting it; retry the request in a moment/);
    const echo = await echoUntilAnswered(session, 'after the crash', 20_000);
    expect(echo.text).toBe('Echo: after the crash');
    for (const message of echo.errors) expect(message).toMatch(/restarting.*retry the request in a moment/);
    await waitFor(
      () => (sampler.samples.at(-1)?.status === 200 ? true : undefined),
      20_000,
      () => 'no recovery',
    );
    expect(EndpointSampler.timeline(await sampler.stop())).toBe('200 503 200');

    const replacement = everythingServer(shim);
    expect(replacement?.pid).toBeDefined();
    expect(replacement?.pid).not.toBe(server.pid);
    [server.pid, replacement!.pid].forEach((pid) => seenPids.add(pid));
    expect(isAlive(server.pid)).toBe(false);
    expect(session.transport.sessionId).toBe(sessionId);
    expect((await session.client.listTools()).tools.map((tool) => tool.name)).toContain('echo');
    expect([live().container(SERVER).restartCount, live().container(BRIDGE).restartCount]).toEqual([0, 0]);
    expect(live().ready).toBe(true);
  });

  test('one server crash is not a crash loop: /livez stays 200 (else the injected livenessProbe restarts the bridge)', async () => {
    explainOnFailure(live);
    const livez = await fetch(`${adminUrl(live())}/livez`);
    // The bridge starts before the server container (it waits for the bridge's startupProbe), so it retries the
    // shim's socket a few times at boot; how many depends on timing, hence the context in the message.
    const bootRetries = bridgeLogCount(
      live(),
      'upstream not ready; retrying',
      bridgeLogTime(live(), 'upstream ready')!,
    );
    expect(
      { status: livez.status, body: await livez.text() },
      `after ${bootRetries} connect retries at boot and one crash`,
    ).toEqual({ status: 200, body: '{"live":true}' });
  });

  test('SIGKILL to the server container (mcp-shim, its PID 1): the kubelet restarts it, the bridge reconnects', async () => {
    explainOnFailure(live);
    const container = live().container(SERVER);
    const oldShim = container.pid!;
    const oldServers = processTree(oldShim).map((p) => p.pid);
    oldServers.forEach((pid) => seenPids.add(pid));
    process.kill(oldShim, 'SIGKILL');
    await waitFor(
      () => (container.restartCount === 1 && container.pid !== undefined ? true : undefined),
      10_000,
      () => 'the server container was not restarted',
    );
    seenPids.add(container.pid!);
    expect(container.lastExit).toEqual({ code: null, signal: 'SIGKILL' });
    const echo = await echoUntilAnswered(session, 'after the container restart', 20_000);
    expect(echo.text).toBe('Echo: after the container restart');
    await waitFor(
      async () => ((await fetch(`${adminUrl(live())}/readyz`)).status === 200 ? true : undefined),
      20_000,
      () => 'the bridge did not turn ready again',
    );
    expect(oldServers.filter((pid) => isAlive(pid))).toEqual([]);
    expect(everythingServer(container.pid!)).toBeDefined();
    expect(live().container(BRIDGE).restartCount).toBe(0);
  });

  test('pod deletion: every container stops gracefully with exit 0, and no process of the pod remains', async () => {
    explainOnFailure(live);
    seenPids.add(live().container(BRIDGE).pid!);
    for (const pid of live().processes()) seenPids.add(pid);
    await session.client.close();
    const report = await live().terminate();
    expectCleanTeardown(report, live(), seenPids);
  });
});

describe('python-stdio-server.yaml injected (native sidecar, per-session mode) under the pod simulation', () => {
  let pod: SimPod | undefined;
  const live = (): SimPod => pod!;
  const sessions: V1StreamableSession[] = [];

  beforeAll(async () => {
    ({ pod } = await startPod(PYTHON_YAML, 'python-notes'));
    await pod.waitReady(45_000);
  }, 60_000);

  afterAll(async () => {
    for (const session of sessions) await session.client.close().catch(() => undefined);
    await terminateAndExplain(pod);
  });

  test('two SDK clients get separate Python processes: notes added by one are not seen by the other', async () => {
    explainOnFailure(live);
    const [alice, bob] = [await connectV1(mcpUrl(live()), 'alice'), await connectV1(mcpUrl(live()), 'bob')];
    sessions.push(alice, bob);
    expect(alice.transport.sessionId).not.toBe(bob.transport.sessionId);
    const call = (session: V1StreamableSession, name: string, args: Record<string, unknown> = {}) =>
      session.client.callTool({ name, arguments: args }).then(textOf);
    expect(await call(alice, 'add_note', { text: 'alice: buy milk' })).toBe('1 notes');
    expect(await call(bob, 'add_note', { text: 'bob: call home' })).toBe('1 notes');
    expect(await call(alice, 'add_note', { text: 'alice: water plants' })).toBe('2 notes');
    expect(await call(alice, 'list_notes')).toBe('alice: buy milk\nalice: water plants');
    expect(await call(bob, 'list_notes')).toBe('bob: call home');
    const pythons = processTree(live().container(SERVER).pid!).filter((p) => p.command.includes('server.py'));
    expect(pythons.length, formatTree(pythons)).toBeGreaterThanOrEqual(2);
  });

  test('pod deletion: every container stops gracefully with exit 0, and no process of the pod remains', async () => {
    explainOnFailure(live);
    const pids = [...live().processes()];
    for (const session of sessions.splice(0)) await session.client.close();
    expectCleanTeardown(await live().terminate(), live(), pids);
  });
});

describe('server-everything.yaml injected, on a node that still has to pull node:24-slim (3 s)', () => {
  let pod: SimPod | undefined;
  afterAll(() => terminateAndExplain(pod));

  test('the bridge stays live (/livez 200) while it waits for the server container, and turns ready after', async () => {
    explainOnFailure(() => pod);
    ({ pod } = await startPod(EVERYTHING_YAML, 'everything', [], { imagePullMs: { 'node:24-slim': 3_000 } }));
    const livez = new EndpointSampler(`${adminUrl(pod)}/livez`);
    await waitFor(
      async () => ((await fetch(`${adminUrl(pod!)}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined),
      30_000,
      () => 'the bridge never turned ready',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const samples = (await livez.stop()).filter((s) => s.status !== 0);
    const pulled = pod.record.events.find((e) => e.reason === 'Pulled')!.time;
    expect(samples.filter((s) => s.sentAt < pulled).length).toBeGreaterThan(0);
    expect({
      timeline: EndpointSampler.timeline(samples),
      firstFailure: samples.find((s) => s.status !== 200)?.body,
    }).toEqual({ timeline: '200', firstFailure: undefined });
  });
});

describe('server-everything.yaml injected with --sidecar-mode classic under the pod simulation', () => {
  let pod: SimPod | undefined;
  afterAll(async () => {
    await terminateAndExplain(pod);
  });

  test('the bridge runs as a regular container: the pod turns Ready, serves echo, and tears down cleanly', async () => {
    explainOnFailure(() => pod);
    let template: PodTemplate;
    ({ template, pod } = await startPod(EVERYTHING_YAML, 'everything', ['--sidecar-mode', 'classic']));
    expect(template.spec.initContainers?.map((c) => c.name)).toEqual(['mcp-shim-install']);
    expect(template.spec.containers.map((c) => [c.name, c.restartPolicy])).toEqual([
      [SERVER, undefined],
      [BRIDGE, undefined],
    ]);
    await pod.waitReady(45_000);
    expect(await fetch(`${adminUrl(pod)}/readyz`).then((r) => r.status)).toBe(200);
    const session = await connectV1(mcpUrl(pod), 'pod-sim-classic');
    const result = await session.client.callTool({ name: 'echo', arguments: { message: 'classic' } });
    expect(textOf(result)).toBe('Echo: classic');
    await session.client.close();
    const pids = pod.processes();
    expect(pids.length).toBeGreaterThanOrEqual(3); // bridge, shim, and the server below it
    expectCleanTeardown(await pod.terminate(), pod, pids);
  }, 60_000);
});

describe('http-server.yaml injected (an HTTP server; only the bridge in front) under the pod simulation', () => {
  let pod: SimPod | undefined;
  afterAll(async () => {
    await terminateAndExplain(pod);
  });

  test('the bridge waits for the server’s port, turns Ready, serves its tools over its own endpoint, and tears down cleanly', async () => {
    explainOnFailure(() => pod);
    let template: PodTemplate;
    ({ template, pod } = await startPod(HTTP_YAML, 'everything-http'));
    expect(template.spec.initContainers?.map((c) => c.name)).toEqual([BRIDGE]);
    await pod.waitReady(45_000);
    const status = (await (await fetch(`${adminUrl(pod)}/status`)).json()) as { upstream: string };
    expect(status.upstream).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const session = await connectV1(mcpUrl(pod), 'pod-sim-http');
    const result = await session.client.callTool({ name: 'echo', arguments: { message: 'over http' } });
    expect(textOf(result)).toBe('Echo: over http');
    await session.client.close();
    const pids = pod.processes();
    const report = await pod.terminate();
    // The bridge stops cleanly. The server container's npx (its PID 1 here: no shim) does not pass SIGTERM on to the
    // server it started, so that one is left for the kubelet's SIGKILL, as in a real pod; nothing of the pod remains.
    const bridge = report.containers.find((c) => c.container === BRIDGE)!;
    expect({ code: bridge.exit?.code, gracefully: bridge.gracefully, leftovers: bridge.leftovers }).toEqual({
      code: 0,
      gracefully: true,
      leftovers: [],
    });
    expect(pod.processes()).toEqual([]);
    expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
  }, 60_000);
});

describe('python-pty-server.yaml injected (mcp.io/pty) under the pod simulation', () => {
  let pod: SimPod | undefined;
  afterAll(async () => {
    await terminateAndExplain(pod);
  });

  test('the print()-only Python server answers on the shim’s terminal, and the pod tears down cleanly', async () => {
    explainOnFailure(() => pod);
    let template: PodTemplate;
    ({ template, pod } = await startPod(PYTHON_PTY_YAML, 'python-buffered'));
    expect(template.spec.containers.find((c) => c.name === SERVER)?.command).toContain('--pty');
    await pod.waitReady(45_000);
    const session = await connectV1(mcpUrl(pod), 'pod-sim-pty');
    const result = await session.client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    expect(textOf(result)).toBe('hello (on a terminal)');
    await session.client.close();
    const pids = pod.processes();
    expectCleanTeardown(await pod.terminate(), pod, pids);
  }, 60_000);
});

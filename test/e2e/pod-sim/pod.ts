// The mini-kubelet: runs one Pod spec as local processes. It creates the volumes, maps the pod's ports, runs the
// init containers in order (regular ones to completion; restartable ones, i.e. native sidecars, started and
// awaited until their startupProbe passed), then starts the app containers, tracks the pod's Ready condition from
// the containers' probes, and on terminate() stops app containers first, then sidecars in reverse order, and
// finally checks that no process of the pod is left.

import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { killTagged, processesTagged } from './cgroup.ts';
import { type BackoffPolicy, KUBELET_BACKOFF, SimContainer, type StopReport } from './container.ts';
import { PodRecord } from './events.ts';
import { planLaunch } from './launch.ts';
import type { PodTemplate } from './manifest.ts';
import { allocatePorts, type PortMap } from './ports.ts';
import type { ConfigMap, Container, PodSpec } from './types.ts';
import { createVolumes, type VolumeDirs } from './volumes.ts';

export interface PodOptions {
  /** Used in the scratch directory's and the process tags' names. */
  readonly name: string;
  /** ConfigMaps of the manifest stream, for configMap volumes. */
  readonly configMaps?: readonly ConfigMap[];
  readonly backoff?: BackoffPolicy;
  /** How long one init step (an init container's run, a sidecar's startup) may take. */
  readonly initStepTimeoutMs?: number;
  /** Image reference → time its first pull takes (a cold node); images not listed are already present. */
  readonly imagePullMs?: Readonly<Record<string, number>>;
}

export interface TerminationReport {
  readonly containers: readonly StopReport[];
  /** Processes of the pod still alive after every container had stopped (killed now; should be none). */
  readonly stragglers: readonly number[];
}

export type PodPhase = 'Pending' | 'Running' | 'Failed' | 'Terminated';

interface PodLayout {
  readonly root: string;
  readonly tag: string;
  readonly volumes: VolumeDirs;
  readonly ports: PortMap;
}

export class SimPod {
  readonly record = new PodRecord();
  readonly spec: PodSpec;
  readonly ports: PortMap;
  /** Every Ready transition of the pod, in order. */
  readonly readyHistory: { readonly time: number; readonly ready: boolean }[] = [];
  phase: PodPhase = 'Pending';
  readonly #layout: PodLayout;
  readonly #options: PodOptions;
  readonly #containers = new Map<string, SimContainer>();
  readonly #terminating = new AbortController();
  readonly #pulls = new Map<string, Promise<void>>();
  #initialized = false;
  #ready = false;
  #startup: Promise<void> = Promise.resolve();

  private constructor(spec: PodSpec, layout: PodLayout, options: PodOptions) {
    this.spec = spec;
    this.#layout = layout;
    this.ports = layout.ports;
    this.#options = options;
  }

  /** Creates the pod's volumes and ports and begins its start-up; resolves at once (watch events or waitReady). */
  static async start(template: PodTemplate, options: PodOptions): Promise<SimPod> {
    const spec = template.spec;
    const root = await mkdtemp(join(tmpdir(), `pod-sim-${options.name}-`));
    const [volumes, ports] = await Promise.all([
      createVolumes(spec.volumes ?? [], options.configMaps ?? [], join(root, 'volumes')),
      allocatePorts(spec),
    ]).catch(async (error: unknown) => {
      await rm(root, { recursive: true, force: true });
      throw error;
    });
    const tag = `${options.name}-${randomBytes(4).toString('hex')}/`;
    const pod = new SimPod(spec, { root, tag, volumes, ports }, options);
    const mapping = [...ports].map(([from, to]) => `${from}→${to}`).join(', ');
    pod.record.event('pod', 'Scheduled', `scratch ${root}; ports ${mapping || 'none'}`);
    pod.#startup = pod.#startUp().catch((error: Error) => pod.#fail(error.message));
    return pod;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Host port of a declared container port (the pod shares one network namespace). */
  hostPort(containerPort: number): number {
    const port = this.ports.get(containerPort);
    if (port === undefined) throw new Error(`port ${containerPort} is not declared in the pod`);
    return port;
  }

  /** Host port of a container's named port, e.g. portOf('mcp-sidecar', 'mcp'). */
  portOf(containerName: string, portName: string): number {
    const containers = [...(this.spec.initContainers ?? []), ...this.spec.containers];
    const spec = containers.find((c) => c.name === containerName);
    const port = spec?.ports?.find((p) => p.name === portName);
    if (!port) throw new Error(`container ${containerName} declares no port named ${portName}`);
    return this.hostPort(port.containerPort);
  }

  /** Live processes of the pod, whatever their parent (see cgroup.ts). */
  processes(): number[] {
    return processesTagged(this.#layout.tag);
  }

  container(name: string): SimContainer {
    const container = this.#containers.get(name);
    if (!container) throw new Error(`container ${name} has not been created (pod phase ${this.phase})`);
    return container;
  }

  /** Resolves when the pod's Ready condition turns true; rejects on timeout or when the pod failed. */
  async waitReady(timeoutMs: number): Promise<void> {
    const event = await this.record
      .waitForEvent((e) => e.source === 'pod' && (e.reason === 'Ready' || e.reason === 'Failed'), timeoutMs)
      .catch((error: Error) => ({ reason: 'Timeout', message: error.message }));
    if (event.reason !== 'Ready') throw new Error(`pod not Ready: ${event.message}\n${this.explain()}`);
  }

  /** Events, probes and the last log lines of every container: what to read when a test fails. */
  explain(logLines = 40): string {
    const names = [...this.#containers.keys()];
    const logs = names.map((name) => {
      const lines = this.record.logsOf(name).split('\n').slice(-logLines);
      return `--- logs of ${name} (last ${logLines} lines) ---\n${lines.join('\n')}`;
    });
    return [this.record.describe(), ...logs].join('\n');
  }

  async #startUp(): Promise<void> {
    for (const spec of this.spec.initContainers ?? []) {
      if (this.#terminating.signal.aborted) return;
      if (spec.restartPolicy === 'Always') await this.#startSidecar(spec);
      else await this.#runInit(spec);
    }
    if (this.#terminating.signal.aborted) return;
    this.#initialized = true;
    this.record.event('pod', 'Initialized', 'all init containers completed or started');
    this.phase = 'Running';
    // Created together first, so the pod cannot look Ready while only some of them exist.
    const apps = this.spec.containers.map((spec) => this.#create(spec, 'app'));
    for (const app of apps) void app.run();
    this.#evaluate();
  }

  async #runInit(spec: Container): Promise<void> {
    const container = this.#create(spec, 'init');
    const timeoutMs = this.#options.initStepTimeoutMs ?? 60_000;
    const done = await Promise.race([container.run().then(() => true), sleepFor(timeoutMs), this.#aborted()]);
    if (this.#terminating.signal.aborted) return;
    if (!done) throw new Error(`init container ${spec.name} did not complete within ${timeoutMs} ms`);
    const exit = container.lastExit;
    if (exit?.code !== 0) {
      const how = exit?.signal ?? `code ${exit?.code}`;
      throw new Error(`init container ${spec.name} failed with ${how}:\n${this.record.logsOf(spec.name)}`);
    }
  }

  /** A native sidecar: started, and the next init container waits until its startupProbe succeeded. */
  async #startSidecar(spec: Container): Promise<void> {
    void this.#create(spec, 'sidecar').run();
    const timeoutMs = this.#options.initStepTimeoutMs ?? 60_000;
    const startedEvent = (e: { source: string; reason: string }) =>
      e.source === spec.name && e.reason === 'StartupSucceeded';
    await this.record.waitForEvent(startedEvent, timeoutMs, this.#terminating.signal).catch((error: Error) => {
      if (!this.#terminating.signal.aborted) throw new Error(`sidecar ${spec.name} did not start: ${error.message}`);
    });
  }

  #create(spec: Container, role: 'init' | 'sidecar' | 'app'): SimContainer {
    const { root, tag, volumes, ports } = this.#layout;
    const podPolicy = (this.spec.restartPolicy ?? 'Always') as 'Always' | 'OnFailure' | 'Never';
    const scratchDir = join(root, 'containers', spec.name);
    const containerTag = `${tag}${spec.name}`;
    const container = new SimContainer({
      spec,
      role,
      restartPolicy: role === 'sidecar' ? 'Always' : role === 'init' ? 'Never' : podPolicy,
      plan: () => planLaunch(spec, { volumes, ports, scratchDir, tag: containerTag }),
      tag: containerTag,
      ports,
      record: this.record,
      backoff: this.#options.backoff ?? KUBELET_BACKOFF,
      graceMs: (this.spec.terminationGracePeriodSeconds ?? 30) * 1000,
      onChange: () => this.#evaluate(),
      pullImage: () => this.#pull(spec.image),
    });
    this.#containers.set(spec.name, container);
    mkdirSync(scratchDir, { recursive: true });
    return container;
  }

  /** imagePullPolicy IfNotPresent: the first container that needs an image waits for the pull, later ones don't. */
  #pull(image: string): Promise<void> {
    const delayMs = this.#options.imagePullMs?.[image] ?? 0;
    if (delayMs === 0) return Promise.resolve();
    let pull = this.#pulls.get(image);
    if (!pull) {
      this.record.event('pod', 'Pulling', `pulling image ${image} (${delayMs} ms)`);
      pull = Promise.race([sleepFor(delayMs), this.#aborted()]).then(() => {
        this.record.event('pod', 'Pulled', `image ${image} is on the node`);
      });
      this.#pulls.set(image, pull);
    }
    return pull;
  }

  /** Ready = initialized, and every app container and every sidecar is ready (no readiness gates here). */
  #evaluate(): void {
    const counted = [...this.#containers.values()].filter((c) => c.setup.role !== 'init');
    const ready = this.#initialized && !this.#terminating.signal.aborted && counted.every((c) => c.ready);
    if (ready === this.#ready) return;
    this.#ready = ready;
    this.readyHistory.push({ time: Date.now(), ready });
    const notReady = counted.filter((c) => !c.ready).map((c) => c.name);
    const why = this.#terminating.signal.aborted ? 'terminating' : `not ready: ${notReady.join(', ')}`;
    this.record.event('pod', ready ? 'Ready' : 'NotReady', ready ? 'all containers ready' : why);
  }

  #aborted(): Promise<false> {
    const signal = this.#terminating.signal;
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve(false), { once: true }));
  }

  #fail(message: string): void {
    this.phase = 'Failed';
    this.record.event('pod', 'Failed', message);
  }

  /** Deletes the pod: app containers stop together, then sidecars one by one in reverse order; then cleanup. */
  async terminate(): Promise<TerminationReport> {
    this.#terminating.abort();
    this.#evaluate();
    this.record.event('pod', 'Killing', 'pod deletion');
    const byRole = (role: string) => [...this.#containers.values()].filter((c) => c.setup.role === role);
    const reports = await Promise.all(byRole('init').map((c) => c.stop())); // one may still be running
    await this.#startup;
    reports.push(...(await Promise.all(byRole('app').map((c) => c.stop()))));
    for (const sidecar of byRole('sidecar').reverse()) reports.push(await sidecar.stop());
    const stragglers = killTagged(this.#layout.tag);
    if (stragglers.length > 0) this.record.event('pod', 'Stragglers', `SIGKILL to ${stragglers.join(', ')}`);
    this.phase = 'Terminated';
    await rm(this.#layout.root, { recursive: true, force: true });
    return { containers: reports, stragglers };
  }
}

const sleepFor = (ms: number): Promise<false> => new Promise((resolve) => setTimeout(() => resolve(false), ms).unref());

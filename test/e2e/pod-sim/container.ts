// One container's lifecycle as the kubelet drives it: start the process, run its probes, track Started and Ready,
// and when the main process exits, kill what is left of the container (the runtime's cgroup teardown), then restart
// it with CrashLoopBackOff when its restart policy says so. stop() is the kubelet's kill: the stop signal, the
// grace period, then SIGKILL to everything left.

import { setTimeout as sleep } from 'node:timers/promises';

import { commandLineOf, killTagged, processesTagged } from './cgroup.ts';
import type { PodRecord } from './events.ts';
import type { LaunchPlan } from './launch.ts';
import type { PortMap } from './ports.ts';
import { runProbeAction } from './probe-action.ts';
import { Prober, type ProbeKind, type ProbeRecord } from './prober.ts';
import { type ContainerProcess, type ExitStatus, startProcess } from './process.ts';
import type { Container } from './types.ts';

export type ContainerRole = 'init' | 'sidecar' | 'app';

/** Kubelet's restart back-off: the first restart is immediate, then 10 s doubling to 5 min; reset after 10 min up. */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly resetAfterMs: number;
}

export const KUBELET_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

export interface ContainerSetup {
  readonly spec: Container;
  readonly role: ContainerRole;
  /** Effective policy: the pod's for app containers, Always for sidecars, Never for regular init containers. */
  readonly restartPolicy: 'Always' | 'OnFailure' | 'Never';
  /** Builds the host process plan; throwing means the container cannot be created (counted like a failed start). */
  readonly plan: () => LaunchPlan;
  readonly tag: string;
  readonly ports: PortMap;
  readonly record: PodRecord;
  readonly backoff: BackoffPolicy;
  readonly graceMs: number;
  /** Called when Started or Ready changed, so the pod re-evaluates its conditions. */
  readonly onChange: () => void;
  /** Resolves once the image is on the node (the kubelet pulls before it creates the container). */
  readonly pullImage: () => Promise<void>;
}

export interface Leftover {
  readonly pid: number;
  readonly command: string;
}

export interface StopReport {
  readonly container: string;
  readonly exit: ExitStatus | undefined;
  /** The main process exited within the grace period after the stop signal. */
  readonly gracefully: boolean;
  /** Processes of the container still alive after its main process had exited (then SIGKILLed, as by the runtime). */
  readonly leftovers: readonly Leftover[];
}

const PROBE_KINDS: readonly ProbeKind[] = ['startup', 'readiness', 'liveness'];

export class SimContainer {
  readonly setup: ContainerSetup;
  restartCount = 0;
  lastExit: ExitStatus | undefined;
  #process: ContainerProcess | undefined;
  #probers: Prober[] = [];
  #started = false;
  #ready = false;
  #stopping = false;
  #leftovers: Leftover[] = [];
  #backoffMs = 0;
  #wake = new AbortController();
  #loop: Promise<void> = Promise.resolve();

  constructor(setup: ContainerSetup) {
    this.setup = setup;
  }

  get name(): string {
    return this.setup.spec.name;
  }

  /** The current main process's pid, or undefined between runs. */
  get pid(): number | undefined {
    return this.#process?.running() ? this.#process.pid : undefined;
  }

  get started(): boolean {
    return this.#started;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Starts the run loop; returns a promise settled when the container will not run again. */
  run(): Promise<void> {
    this.#loop = this.#runLoop();
    return this.#loop;
  }

  async #runLoop(): Promise<void> {
    for (;;) {
      this.lastExit = await this.#runOnce();
      if (this.#stopping || !this.#shouldRestart(this.lastExit)) return;
      const delay = this.#nextBackoff();
      if (delay > 0) {
        this.#event('BackOff', `back-off ${delay} ms restarting failed container (CrashLoopBackOff)`);
        await sleep(delay, undefined, { signal: this.#wake.signal }).catch(() => undefined);
      }
      if (this.#stopping) return;
      this.restartCount += 1;
      this.#event('Restarting', `restart #${this.restartCount} (restartPolicy ${this.setup.restartPolicy})`);
    }
  }

  async #runOnce(): Promise<ExitStatus> {
    await this.setup.pullImage();
    if (this.#stopping) return { code: null, signal: null };
    let plan: LaunchPlan;
    try {
      plan = this.setup.plan();
    } catch (error) {
      this.#event('Failed', `cannot create the container: ${(error as Error).message}`);
      return { code: 128, signal: null };
    }
    const proc = startProcess(this.name, plan, (line) => this.setup.record.logs.push(line));
    this.#process = proc;
    this.#event('Started', `pid ${proc.pid}: ${plan.argv.join(' ')}`);
    this.#startProbes(proc, plan);
    const exit = await proc.exited;
    this.#stopProbes();
    this.#setStarted(false);
    this.#setReady(false, 'container exited');
    this.#event('Exited', `pid ${proc.pid} exited with ${exit.signal ?? `code ${exit.code}`}`);
    this.#leftovers = await this.#killRemains();
    return exit;
  }

  /** After PID 1 of a container exits, nothing else in it survives (the kernel empties the PID namespace). */
  async #killRemains(): Promise<Leftover[]> {
    let pids = processesTagged(this.setup.tag);
    if (pids.length > 0) {
      await sleep(100); // let processes that are already exiting finish, so only true leftovers are reported
      pids = processesTagged(this.setup.tag);
    }
    const leftovers = pids.map((pid) => ({ pid, command: commandLineOf(pid) }));
    if (leftovers.length > 0) {
      killTagged(this.setup.tag);
      const list = leftovers.map((l) => `${l.pid} (${l.command})`).join(', ');
      this.#event('CgroupKill', `SIGKILL to processes left after the main process exited: ${list}`);
    }
    return leftovers;
  }

  #shouldRestart(exit: ExitStatus): boolean {
    const policy = this.setup.restartPolicy;
    return policy === 'Always' || (policy === 'OnFailure' && (exit.code !== 0 || exit.signal !== null));
  }

  #nextBackoff(): number {
    const ranFor = Date.now() - (this.#process?.startedAt ?? 0);
    if (ranFor >= this.setup.backoff.resetAfterMs) this.#backoffMs = 0;
    const delay = this.#backoffMs;
    const { initialMs, maxMs } = this.setup.backoff;
    this.#backoffMs = delay === 0 ? initialMs : Math.min(maxMs, delay * 2);
    return delay;
  }

  #startProbes(proc: ContainerProcess, plan: LaunchPlan): void {
    const { spec, ports, record } = this.setup;
    const target = { container: spec, ports, plan };
    if (!spec.startupProbe) this.#setStarted(true);
    for (const kind of PROBE_KINDS) {
      const probe = spec[`${kind}Probe`];
      if (!probe) continue;
      const prober = new Prober(kind, probe, {
        attempt: (signal) => runProbeAction(probe, target, signal),
        started: () => this.#started,
        onRecord: (result) => record.probes.push({ ...result, container: this.name }),
        onResult: (ok, result) => this.#onProbeResult(kind, ok, result, proc),
      });
      this.#probers.push(prober);
      prober.start();
    }
  }

  #stopProbes(): void {
    for (const prober of this.#probers.splice(0)) prober.stop();
  }

  #onProbeResult(kind: ProbeKind, ok: boolean, result: ProbeRecord, proc: ContainerProcess): void {
    if (kind === 'readiness') this.#setReady(ok, result.detail);
    if (kind === 'startup' && ok) this.#setStarted(true);
    if (ok || kind === 'readiness') return;
    this.#event('Unhealthy', `${kind} probe failed ${result.detail}; killing the container`);
    void this.#kill(proc);
  }

  #setStarted(started: boolean): void {
    if (this.#started === started) return;
    this.#started = started;
    if (started) this.#event('StartupSucceeded', 'container started (startup probe passed or none)');
    if (started && !this.setup.spec.readinessProbe) this.#setReady(true, 'no readiness probe');
    this.setup.onChange();
  }

  #setReady(ready: boolean, why: string): void {
    if (this.#ready === ready) return;
    this.#ready = ready;
    this.#event(ready ? 'Ready' : 'NotReady', why);
    this.setup.onChange();
  }

  /** The stop signal to the main process, then SIGKILL to the whole container after the grace period. */
  async #kill(proc: ContainerProcess): Promise<boolean> {
    if (!proc.running()) return true;
    this.#event('Killing', `SIGTERM to pid ${proc.pid}, grace ${this.setup.graceMs} ms`);
    proc.signal('SIGTERM');
    const inTime = await Promise.race([proc.exited.then(() => true), sleep(this.setup.graceMs, false, { ref: false })]);
    if (!inTime) {
      this.#event('Killing', `grace period over: SIGKILL to every process of the container`);
      killTagged(this.setup.tag);
      await proc.exited;
    }
    return inTime;
  }

  /** Stops the container for good (pod deletion) and reports how it went. */
  async stop(): Promise<StopReport> {
    this.#stopping = true;
    this.#wake.abort();
    const proc = this.#process;
    const gracefully = proc ? await this.#kill(proc) : true;
    await this.#loop;
    return { container: this.name, exit: this.lastExit, gracefully, leftovers: this.#leftovers };
  }

  #event(reason: string, message: string): void {
    this.setup.record.event(this.name, reason, message);
  }
}

// Result shapes: what run.ts collects, table.ts prints and results/<timestamp>.json stores.
import type { TreeMemory } from './proc-stats.ts';
import type { TargetId, TargetKind } from './targets.ts';
import type { WrkResult } from './wrk.ts';

export type ThroughputResult = {
  connections: number;
  threads: number;
  durationS: number;
  /** Successful calls (2xx with a JSON-RPC result in the body) per second over wrk's measured duration. */
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx answers, 2xx answers without a JSON-RPC result, and socket errors (connect/read/write/timeout). */
  errors: number;
  /** CPU seconds used by the target's whole process tree while wrk ran. */
  cpuSeconds: number;
  cpuMsPerCall: number;
  /** Share of all CPUs busy with processes machine-wide (wrk, echo server, runner included; irq/softirq not), 0..1. */
  machineBusy: number;
  /** Share of all cores used by processes outside the benchmark (neither target, wrk nor runner), 0..1. */
  foreignLoad: number;
  memory: TreeMemory;
  wrk: WrkResult;
  /** calls/s of every round, in round order; the other fields are the median round's (errors: all rounds'). */
  roundsCallsPerSecond?: number[];
};

export type NewSessionResult = {
  sessions: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  samplesMs: number[];
};

export type IdleSessionsResult = {
  sessions: number;
  /** Bridge RSS (VmRSS of the bridge process alone) before opening the sessions and after, MB. */
  rssBeforeMb: number;
  rssAfterMb: number;
  peakRssMb: number;
  treeRssAfterMb: number;
  openSeconds: number;
  barMb: number;
  withinBar: boolean;
};

export type TargetResult = {
  id: TargetId;
  label: string;
  kind: TargetKind;
  available: boolean;
  /** Why there are no (or only partial) numbers. */
  reason?: string;
  startupMs?: number;
  throughput: ThroughputResult[];
  newSession?: NewSessionResult;
  /** per-session mode only: each new session starts once the warm pool holds an upstream again. */
  newSessionPaced?: NewSessionResult;
  idleSessions?: IdleSessionsResult;
};

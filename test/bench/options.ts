// Command-line flags of `npm run bench`.
import { parseArgs } from 'node:util';
import { TARGET_IDS } from './targets.ts';
import type { TargetId } from './targets.ts';

export type BenchOptions = {
  durationS: number;
  rounds: number;
  connections: number[];
  only: TargetId[];
  warmupS: number;
  newSessions: number;
  idleSessions: number;
  idleBarMb: number;
  /** Revision to build and run beside the working tree (--baseline), or undefined. */
  baseline: string | undefined;
};

export const USAGE = `Usage: npm run bench -- [options]
  --duration <s>          seconds per wrk run (default 5)
  --rounds <n>            throughput rounds, every target once per round, median reported (default 3)
  --connections <list>    wrk connection counts, comma-separated (default 1,16)
  --only <list>           targets to run, comma-separated (default all): ${TARGET_IDS.join(', ')}
  --warmup <s>            warm-up seconds before the measured runs (default 2)
  --sessions <n>          sequential fresh sessions for the new-session timing (default 50)
  --idle-sessions <n>     idle sessions opened on mcp-sidecar shared (default 1000; 0 skips)
  --baseline <rev>        also build <rev> (a sha, HEAD~1, or merge-base = merge base of HEAD and main) into a
                          temporary directory and run its bridge interleaved with this one (rows "@<sha>")
  -h, --help              this text`;

function positiveInt(name: string, raw: string, allowZero = false): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new Error(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got "${raw}"`);
  }
  return value;
}

function targetList(raw: string): TargetId[] {
  const ids = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of ids) {
    if (!TARGET_IDS.includes(id as TargetId)) {
      throw new Error(`--only: unknown target "${id}"; accepted: ${TARGET_IDS.join(', ')}`);
    }
  }
  // Keep the canonical order so tables always read bare, ours, peers.
  return TARGET_IDS.filter((id) => ids.includes(id));
}

/** Parses argv; returns undefined when help was asked for. Throws with a one-line message on bad input. */
export function parseOptions(argv: string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '1,16' },
      only: { type: 'string', default: TARGET_IDS.join(',') },
      warmup: { type: 'string', default: '2' },
      sessions: { type: 'string', default: '50' },
      'idle-sessions': { type: 'string', default: '1000' },
      baseline: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  const connections = values.connections.split(',').map((c) => positiveInt('connections', c.trim()));
  const baseline = values.baseline;
  // Without --only, a baseline run adds its rows to the default set; the @base rows need a baseline.
  const only = targetList(values.only).filter((id) => baseline !== undefined || !id.endsWith('@base'));
  return {
    durationS: positiveInt('duration', values.duration),
    rounds: positiveInt('rounds', values.rounds),
    connections: [...new Set(connections)],
    only,
    warmupS: positiveInt('warmup', values.warmup, true),
    newSessions: positiveInt('sessions', values.sessions, true),
    idleSessions: positiveInt('idle-sessions', values['idle-sessions'], true),
    idleBarMb: 120,
    baseline,
  };
}

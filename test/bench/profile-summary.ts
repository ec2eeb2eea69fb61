// Where the bridge's main thread spends its time per call, from a `node --cpu-prof` profile.
// Usage: node profile-summary.ts <file.cpuprofile> <calls served while profiling>   (profile.sh runs it)
//
// Every busy sample is charged to one owner: the native function it stopped in (a syscall wrapper such as
// writeUtf8String, the garbage collector), else the innermost frame that belongs to one of our modules
// (sidecar/<dir>, protocol) or to node's HTTP stack, else "other JS". Idle samples are left out.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [file, callsArg] = process.argv.slice(2);
if (!file || !callsArg) throw new Error('usage: profile-summary.ts <file.cpuprofile> <calls>');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const calls = Number(callsArg);

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

function moduleOf({ url }: ProfileNode['callFrame']): string | undefined {
  const ours = /\/sidecar\/(?:dist|src)\/([^/.]+)/.exec(url);
  if (ours) return `sidecar/${ours[1]}`;
  if (url.includes('/packages/protocol/')) return 'packages/protocol';
  if (url.includes('node_modules/prom-client')) return 'prom-client';
  if (/^node:_?http/.test(url)) return 'node:http';
  return undefined;
}

function ownerOf(id: number): string | undefined {
  const leaf = nodes.get(id)!.callFrame;
  if (leaf.functionName === '(idle)') return undefined;
  if (!leaf.url) return leaf.functionName.startsWith('(') ? leaf.functionName : `native ${leaf.functionName}`;
  for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
    const owner = moduleOf(nodes.get(at)!.callFrame);
    if (owner) return owner;
  }
  return 'other JS (node internals, libraries)';
}

const owners = new Map<string, number>();
let totalUs = 0;
profile.samples.forEach((id, index) => {
  const us = profile.timeDeltas[index] ?? 0;
  totalUs += us;
  const owner = ownerOf(id);
  if (owner) owners.set(owner, (owners.get(owner) ?? 0) + us);
});
const busyUs = [...owners.values()].reduce((sum, us) => sum + us, 0);
console.log(
  `profiled ${(totalUs / 1e6).toFixed(1)} s, main thread busy ${(busyUs / 1e6).toFixed(2)} s, ${calls} calls: ` +
    `${(busyUs / calls).toFixed(1)} µs per call`,
);
console.log('| owner | share of busy | µs per call |\n| --- | --- | --- |');
for (const [owner, us] of [...owners].sort((a, b) => b[1] - a[1])) {
  if (us / busyUs < 0.005) continue;
  console.log(`| ${owner} | ${((us / busyUs) * 100).toFixed(1)} % | ${(us / calls).toFixed(1)} |`);
}

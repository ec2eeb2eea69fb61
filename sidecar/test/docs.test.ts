// The bridge's README lists every metric the bridge registers, and no counter or histogram that it doesn't.

import { readFileSync } from 'node:fs';

import { expect, it } from 'vitest';

import { Metrics } from '../src/metrics.ts';

it('sidecar/README.md names every metric', async () => {
  const live = { sessions: () => 0, inflight: () => 0, children: () => 0, poolReady: () => 0, ready: () => true };
  const bridgeMetrics = new Metrics();
  bridgeMetrics.observe(live);
  const metrics = await bridgeMetrics.registry.getMetricsAsJSON();
  const registered = metrics.map((metric) => metric.name.replace(/^mcp_sidecar_/, ''));
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Metrics'), readme.indexOf('## Logs'));
  for (const name of registered) expect(section).toMatch(new RegExp(`\`${name}[\`{]`));
  const countersAndHistograms = [...section.matchAll(/`([a-z_]+_(?:total|seconds))[`{]/g)].map((match) => match[1]);
  expect(countersAndHistograms.filter((name) => !registered.includes(name!))).toEqual([]);
});

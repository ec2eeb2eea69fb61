// The README's tables are generated from the code (annotations from the contract, flags, reasons, metrics) and must
// appear in it verbatim. UPDATE_README=1 rewrites the marked sections.

import { readFileSync, writeFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { renderAnnotationsMarkdown } from '@mcp-sidecar/contract';

import { renderFlagsMarkdown } from '../src/cli/flags.ts';
import { renderReasonsMarkdown } from '../src/core/reasons.ts';
import { renderMetricsMarkdown } from '../src/server/metrics.ts';
import { INJECTOR_VERSION } from '../src/version.ts';

const README = new URL('../README.md', import.meta.url);

const SECTIONS: Record<string, () => string> = {
  flags: renderFlagsMarkdown,
  annotations: renderAnnotationsMarkdown,
  reasons: renderReasonsMarkdown,
  metrics: renderMetricsMarkdown,
};

const begin = (name: string) =>
  `<!-- generated: ${name} (UPDATE_README=1 npx vitest run webhook/test/readme.test.ts) -->`;
const end = (name: string) => `<!-- end generated: ${name} -->`;

function refreshed(text: string): string {
  return Object.entries(SECTIONS).reduce((doc, [name, render]) => {
    const start = doc.indexOf(begin(name));
    const stop = doc.indexOf(end(name));
    if (start === -1 || stop === -1) throw new Error(`README.md lacks the markers of the ${name} table`);
    return `${doc.slice(0, start + begin(name).length)}\n${render()}\n${doc.slice(stop)}`;
  }, text);
}

describe('README.md', () => {
  if (process.env.UPDATE_README === '1') writeFileSync(README, refreshed(readFileSync(README, 'utf8')));
  const text = readFileSync(README, 'utf8');

  it.each(Object.keys(SECTIONS))('contains the generated %s table verbatim', (name) => {
    expect(text).toContain(`${begin(name)}\n${SECTIONS[name]?.()}\n${end(name)}`);
  });

  it('contains the contract annotations table verbatim', () => {
    expect(text).toContain(renderAnnotationsMarkdown());
  });

  it('states the version package.json declares', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(INJECTOR_VERSION).toBe(pkg.version);
  });
});

// `mcp-injector inject [-f file|-]`: reads manifests, writes the injected YAML to stdout and one line per pod
// template to stderr. Exit 0 when everything was injected or skipped, 1 when anything was refused (nothing is written
// to stdout then, so `... | kubectl apply -f -` applies nothing), 2 when the input cannot be read.

import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';

import type { InjectOptions } from './cli/parse.ts';
import { injectYamlStream } from './core/workloads.ts';

export interface Streams {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export async function runInject(options: InjectOptions, streams: Streams): Promise<number> {
  const say = (line: string) => streams.stderr.write(`mcp-injector: ${line}\n`);
  let input: string;
  try {
    input = options.filename === '-' ? await text(streams.stdin) : await readFile(options.filename, 'utf8');
  } catch (error) {
    say(
      `cannot read ${options.filename === '-' ? 'stdin' : options.filename}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 2;
  }
  const result = injectYamlStream(input, options.config);
  for (const report of result.reports) {
    if (report.decision !== 'denied') say(`${report.object}: ${report.decision} (${report.reason})`);
    for (const warning of report.warnings) say(`${report.object}: warning: ${warning}`);
  }
  if (!result.ok) {
    for (const error of result.errors) say(`refused: ${error}`);
    return 1;
  }
  streams.stdout.write(result.yaml);
  return 0;
}

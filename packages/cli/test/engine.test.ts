// The command-line engine on a small schema of its own: precedence, switches, short flags, subcommands, problems as
// data, and the help and table renderings. The programs' own wordings are tested with their schemas.

import { describe, expect, it } from 'vitest';

import {
  defaultsOf,
  describeProblem,
  groupNames,
  option,
  parseDuration,
  parseInteger,
  parseOptions,
  renderHelpRows,
  renderOptionsTable,
  toggle,
} from '../src/index.ts';

const SCHEMA = {
  port: option({ hint: '<port>', default: 80, description: 'Port.', parse: (raw) => parseInteger(raw, 0, 65535) }),
  timeout: option({
    hint: '<duration>',
    default: 1000,
    description: 'A | B.',
    parse: parseDuration,
    format: (ms: number) => `${ms}ms`,
    group: 'limits',
  }),
  file: option<string | undefined>({
    short: 'f',
    hint: '<file>',
    default: undefined,
    description: 'File.',
    commands: ['inject'],
    parse: (raw) => ({ ok: true, value: raw }),
  }),
  verbose: toggle('Say more.'),
};
const settings = { envPrefix: 'DEMO' };

describe('parseOptions', () => {
  it('takes the flag, else the variable, else the default', () => {
    const parsed = parseOptions(SCHEMA, ['--port', '81'], { DEMO_PORT: '82', DEMO_TIMEOUT: '2s' }, settings);
    expect(parsed).toMatchObject({ kind: 'options', values: { port: 81, timeout: 2000, verbose: false } });
    expect(parseOptions(SCHEMA, [], {}, settings)).toMatchObject({ values: defaultsOf(SCHEMA) });
  });

  it('reads switches from the command line and from their variable', () => {
    expect(parseOptions(SCHEMA, ['--verbose'], {}, settings)).toMatchObject({ values: { verbose: true } });
    expect(parseOptions(SCHEMA, [], { DEMO_VERBOSE: 'true' }, settings)).toMatchObject({ values: { verbose: true } });
  });

  it('accepts only a subcommand’s options, with their short forms', () => {
    const inject = parseOptions(SCHEMA, ['-f', 'x.yaml'], {}, { ...settings, command: 'inject' });
    expect(inject).toMatchObject({ values: { file: 'x.yaml' } });
    expect(parseOptions(SCHEMA, ['-f', 'x.yaml'], {}, { ...settings, command: 'serve' })).toMatchObject({
      kind: 'unknown_option',
    });
  });

  it('returns problems as data, with the source the user typed', () => {
    const flag = parseOptions(SCHEMA, ['--port', 'x'], {}, settings);
    expect(flag).toEqual({ kind: 'invalid_value', source: '--port', raw: 'x', error: expect.any(String) as string });
    expect(describeProblem(flag as never)).toBe('invalid --port "x": expected an integer from 0 to 65535');
    const variable = parseOptions(SCHEMA, [], { DEMO_PORT: '-1' }, settings);
    expect(variable).toMatchObject({ source: 'DEMO_PORT', raw: '-1' });
    expect(parseOptions(SCHEMA, ['--nope'], {}, settings)).toMatchObject({ kind: 'unknown_option', option: '--nope' });
    expect(parseOptions(SCHEMA, ['--port'], {}, settings)).toMatchObject({ kind: 'missing_value', option: '--port' });
    expect(parseOptions(SCHEMA, ['stray'], {}, settings)).toEqual({ kind: 'unexpected_argument', value: 'stray' });
  });

  it('answers --help and --version before looking at values', () => {
    expect(parseOptions(SCHEMA, ['-h'], { DEMO_PORT: 'bad' }, settings)).toMatchObject({ help: true });
    expect(parseOptions(SCHEMA, ['--version'], {}, settings)).toMatchObject({ version: true });
  });
});

describe('rendering', () => {
  it('writes two help lines per option with the formatted default and the variable', () => {
    const [port, , file] = renderHelpRows(SCHEMA, ['port', 'timeout', 'file'], settings);
    expect(port).toBe(`${'  --port <port>'.padEnd(36)}Port.\n${''.padEnd(36)}default: 80; env DEMO_PORT`);
    expect(file).toContain('-f, --file <file>');
    expect(file).toContain('default: (none); env DEMO_FILE');
  });

  it('writes a Markdown table, escaping pipes, with a command column on request', () => {
    const table = renderOptionsTable(SCHEMA, groupNames(SCHEMA, 'limits'), settings);
    expect(table.split('\n')).toEqual([
      '| Flag | Environment variable | Default | Description |',
      '| --- | --- | --- | --- |',
      '| `--timeout <duration>` | `DEMO_TIMEOUT` | `1000ms` | A \\| B. |',
    ]);
    const withCommands = renderOptionsTable(SCHEMA, ['file', 'verbose'], { ...settings, commands: true });
    expect(withCommands).toContain('| `-f, --file <file>` | `DEMO_FILE` | `(none)` | inject | File. |');
    expect(withCommands).toContain('| `--verbose` | `DEMO_VERBOSE` | `false` | all | Say more. |');
  });
});

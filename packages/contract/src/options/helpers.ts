// Shorthands for the bridge's option declarations.

import {
  fail,
  formatByteSize,
  formatDuration,
  option,
  type OptionSpec,
  type Parsed,
  parseByteSize,
  parseDuration,
  parseInteger,
  parseList,
} from '@mcp-sidecar/cli';

export const port = (fallback: number, what: string): OptionSpec<number> =>
  option({ hint: '<port>', default: fallback, description: what, parse: (raw) => parseInteger(raw, 0, 65535) });

export const duration = (fallback: number, what: string, group?: string): OptionSpec<number> =>
  option({
    hint: '<duration>',
    default: fallback,
    description: what,
    parse: parseDuration,
    format: formatDuration,
    group,
  });

/** A duration that must be more than zero (a timeout that cannot be switched off). */
export const positiveDuration = (fallback: number, what: string, group?: string): OptionSpec<number> => ({
  ...duration(fallback, what, group),
  parse: (raw): Parsed<number> => {
    const parsed = parseDuration(raw);
    return parsed.ok && parsed.value === 0 ? fail('expected a duration above 0, like 500ms, 30s or 5m') : parsed;
  },
});

/** A byte size of at least `min` bytes, written like 16MiB. */
export const size = (fallback: number, min: number, what: string, group?: string): OptionSpec<number> =>
  option({
    hint: '<size>',
    default: fallback,
    description: what,
    parse: (raw) => parseByteSize(raw, min),
    format: formatByteSize,
    group,
  });

/** A whole number from min to max. */
export const count = (fallback: number, min: number, max: number, what: string, group?: string): OptionSpec<number> =>
  option({ hint: '<n>', default: fallback, description: what, parse: (raw) => parseInteger(raw, min, max), group });

export const list = (what: string): OptionSpec<readonly string[]> =>
  option({ hint: '<a,b,...>', default: [], description: what, parse: parseList, format: (v) => v.join(',') });

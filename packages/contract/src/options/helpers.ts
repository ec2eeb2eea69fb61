// Shorthands for the bridge's option declarations.

import { formatDuration, option, type OptionSpec, parseDuration, parseInteger, parseList } from '@mcp-sidecar/cli';

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

export const list = (what: string): OptionSpec<readonly string[]> =>
  option({ hint: '<a,b,...>', default: [], description: what, parse: parseList, format: (v) => v.join(',') });

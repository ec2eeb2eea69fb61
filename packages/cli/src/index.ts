// Public surface of @mcp-sidecar/cli: the command-line engine shared by mcp-sidecar and mcp-injector. Pure.

export {
  type CliProblem,
  describeProblem,
  type Env,
  parseOptions,
  type ParsedOptions,
  type ParseSettings,
} from './parse.ts';
export { displayFlag, groupNames, type RenderSettings, renderHelpRows, renderOptionsTable } from './render.ts';
export {
  defaultsOf,
  envOf,
  flagOf,
  namesFor,
  namesOf,
  option,
  type OptionSchema,
  type OptionSpec,
  shownDefault,
  toggle,
  type ValuesOf,
} from './spec.ts';
export {
  fail,
  formatByteSize,
  formatDuration,
  ok,
  type Parsed,
  parseBoolean,
  parseByteSize,
  parseChoice,
  parseDuration,
  parseInteger,
  parseJsonWith,
  parseList,
} from './values.ts';

// Protocol versions and logging levels the bridge understands.

/** The newest revision this bridge serves with sessions. */
export const LATEST_PROTOCOL_VERSION = '2025-11-25';

/** What a server assumes when a request carries no MCP-Protocol-Version header (spec 2025-06-18, V3). */
export const DEFAULT_NEGOTIATED_PROTOCOL_VERSION = '2025-03-26';

/** Session-era revisions, newest first; the same list as the TypeScript SDK v1 (checked by a test). */
export const SUPPORTED_PROTOCOL_VERSIONS = [
  '2025-11-25',
  '2025-06-18',
  '2025-03-26',
  '2024-11-05',
  '2024-10-07',
] as const;

export const isSupportedProtocolVersion = (version: string): boolean =>
  (SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(version);

/** Revisions from 2025-11-25 on get an SSE priming event (SEP-1699): older clients may mishandle empty data. */
export const wantsPrimingEvent = (version: string): boolean => version >= '2025-11-25';

/** MCP logging levels (RFC 5424 severities), least severe first. */
export const LOGGING_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const;
export type LoggingLevel = (typeof LOGGING_LEVELS)[number];

/** Severity rank of a level, or -1 when the value is not a level. */
export const loggingSeverity = (level: unknown): number =>
  typeof level === 'string' ? (LOGGING_LEVELS as readonly string[]).indexOf(level) : -1;

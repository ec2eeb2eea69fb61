// The bridge's logger: pino JSON on stdout, one root logger created in main and passed down as children.
// Message bodies are logged only at debug; nothing here ever logs headers.

import { pino, type Logger } from 'pino';

import type { LogLevel } from '@mcp-sidecar/contract';

export type { Logger };

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { name: 'mcp-sidecar' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

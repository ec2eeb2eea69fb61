// The injector's one root logger: pino JSON lines on stdout. Tests pass a destination stream to read the lines.

import { type DestinationStream, type Logger, pino } from 'pino';

import type { LogLevel } from '@mcp-sidecar/contract';

export type { Logger } from 'pino';

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { name: 'mcp-injector', level };
  return destination ? pino(options, destination) : pino(options);
}

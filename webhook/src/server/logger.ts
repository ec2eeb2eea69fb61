// The injector's one root logger: pino JSON lines on stdout. Tests pass a destination stream to read the lines.

import { createProgramLogger, type DestinationStream, type Logger } from '@mcp-sidecar/edge';

import type { LogLevel } from '@mcp-sidecar/contract';

export type { Logger };

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  // Asynchronous stdout: one line per admission review must not block the event loop on a write(2) each time.
  // Whatever is buffered is flushed on shutdown (main.ts).
  return createProgramLogger({ name: 'mcp-injector', level, destination, readable: false, asynchronous: true });
}

// The bridge's logger: pino JSON on stdout, one root logger created in main and passed down as children.
// Message bodies are logged only at debug; nothing here ever logs headers.

import { createProgramLogger, type DestinationStream, type Logger } from '@mcp-sidecar/edge';

import type { LogLevel } from '@mcp-sidecar/contract';

export type { Logger };

export const createLogger = (level: LogLevel, destination?: DestinationStream): Logger =>
  createProgramLogger({ name: 'mcp-sidecar', level, destination, readable: true, asynchronous: false });

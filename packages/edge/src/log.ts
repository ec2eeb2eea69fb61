// The programs' logger factory: pino JSON lines on stdout (or a destination a test reads), one root logger per
// program, passed down as children.

import { type DestinationStream, destination as pinoDestination, type Logger, type LoggerOptions, pino } from 'pino';

export type { DestinationStream, Logger };

export interface ProgramLoggerOptions {
  /** The `name` field of every line: mcp-sidecar or mcp-injector. */
  readonly name: string;
  readonly level: string;
  readonly destination?: DestinationStream;
  /** Level names and ISO times instead of pino's numbers and epoch milliseconds. */
  readonly readable: boolean;
  /** Buffer stdout writes instead of one write(2) per line; the program flushes on shutdown. */
  readonly asynchronous: boolean;
}

export function createProgramLogger(options: ProgramLoggerOptions): Logger {
  const settings: LoggerOptions = { name: options.name, level: options.level };
  if (options.readable) {
    // The name alone: pid and hostname say nothing in a container and cost bytes on every line.
    settings.base = { name: options.name };
    settings.timestamp = pino.stdTimeFunctions.isoTime;
    settings.formatters = { level: (label) => ({ level: label }) };
  }
  const destination =
    options.destination ?? (options.asynchronous ? pinoDestination({ dest: 1, sync: false }) : undefined);
  return destination ? pino(settings, destination) : pino(settings);
}

// Public surface of @mcp-sidecar/edge: the I/O both programs do the same way at their edges.

export { readBody } from './body.ts';
export { createProgramLogger, type DestinationStream, type Logger, type ProgramLoggerOptions } from './log.ts';
export { assertUsable, certificateProblem, type KeyPair, notAfter } from './tls/checks.ts';
export { type WatchedFiles, type WatchedFilesOptions, watchFiles } from './files.ts';
export { type TlsFileContents, type TlsFilesOptions, type TlsFilesWatcher, watchTlsFiles } from './tls/files.ts';

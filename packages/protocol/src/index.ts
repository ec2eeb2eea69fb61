// Public surface of @mcp-sidecar/protocol: JSON-RPC framing and classification for MCP. Pure, no I/O.

export { exactId, exactProgressToken } from './exact.ts';
export { LineReader, type LineReaderEvents } from './framing.ts';
export { DEFAULT_MAX_JSON_DEPTH, nestsDeeperThan, startsAsObject } from './limits.ts';
export { type SseEvent, SseReader, type SseReaderEvents } from './sse.ts';
export {
  type Classified,
  type ClassifiedMessage,
  classify,
  ERROR_CODES,
  errorResponse,
  idKey,
  isId,
  type JsonRpcErrorObject,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  parseMessage,
  progressTokenOf,
} from './jsonrpc.ts';
export {
  DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
  isSupportedProtocolVersion,
  LATEST_PROTOCOL_VERSION,
  LOGGING_LEVELS,
  type LoggingLevel,
  loggingSeverity,
  SUPPORTED_PROTOCOL_VERSIONS,
  wantsPrimingEvent,
} from './versions.ts';

// The echo server's answers, shared by the stdio echo server (echo-server.ts) and the Streamable HTTP one
// (http-echo-server.ts): initialize, tools/list, tools/call (echo), ping; -32601 for anything else.

const SUPPORTED_VERSIONS = new Set(['2025-11-25', '2025-06-18', '2025-03-26']);
const LATEST_VERSION = '2025-11-25';

const ECHO_TOOL = {
  name: 'echo',
  description: 'Returns its message unchanged.',
  inputSchema: {
    type: 'object',
    properties: { message: { type: 'string', description: 'Text to echo back' } },
    required: ['message'],
  },
};

type Id = string | number;
export type Message = { jsonrpc?: string; id?: Id | null; method?: string; params?: Record<string, unknown> };

function initializeResult(params: Record<string, unknown> | undefined): unknown {
  const asked = params?.['protocolVersion'];
  const protocolVersion = typeof asked === 'string' && SUPPORTED_VERSIONS.has(asked) ? asked : LATEST_VERSION;
  return { protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'bench-echo', version: '1.0.0' } };
}

function callResult(params: Record<string, unknown> | undefined): unknown {
  const args = params?.['arguments'] as Record<string, unknown> | undefined;
  const message = args?.['message'];
  return { content: [{ type: 'text', text: typeof message === 'string' ? message : '' }] };
}

// Returns the result for a request, or undefined when the method is unknown (answered with -32601).
function resultFor(message: Message): unknown {
  switch (message.method) {
    case 'initialize':
      return initializeResult(message.params);
    case 'tools/list':
      return { tools: [ECHO_TOOL] };
    case 'tools/call':
      return callResult(message.params);
    case 'ping':
      return {};
    default:
      return undefined;
  }
}

export function reply(message: Message): string | undefined {
  // Notifications (no id) and responses to requests we never send get no answer.
  if (message.id === undefined || message.id === null || typeof message.method !== 'string') return undefined;
  const result = resultFor(message);
  if (result === undefined) {
    const error = { code: -32601, message: `Method not found: ${message.method}` };
    return JSON.stringify({ jsonrpc: '2.0', id: message.id, error });
  }
  return JSON.stringify({ jsonrpc: '2.0', id: message.id, result });
}

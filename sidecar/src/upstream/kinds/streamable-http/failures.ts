// What the HTTP transport tells the bridge when an exchange fails: a JSON-RPC error answering the request (an HTTP
// error status, a stream that broke for good), or the words for a transport that ends (a server not there yet,
// a server gone). The client-facing wording lives in errors.ts with everything else.

import type { Readable } from 'node:stream';

import type { ClassifiedMessage, JsonRpcErrorObject, JsonRpcId } from '@mcp-sidecar/protocol';

import { errorText, fail } from '../../../errors.ts';

/** How much of an error body is quoted back; servers sometimes send whole HTML pages. */
const DETAIL_BYTES = 2_048;
const DETAIL_CHARS = 200;

/** The gist of an HTTP error body: a JSON-RPC error's message when it is one, else its first characters. */
export async function errorDetail(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (size < DETAIL_BYTES) chunks.push(chunk);
    size += chunk.length;
  }
  const text = Buffer.concat(chunks).toString('utf8', 0, DETAIL_BYTES).trim();
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string') return message.slice(0, DETAIL_CHARS);
  } catch {
    // not JSON: quote the text
  }
  return text.replace(/\s+/g, ' ').slice(0, DETAIL_CHARS);
}

/** An answer to request `id` that the server never sent: the bridge's error in its place. */
export const failureAnswer = (id: JsonRpcId, error: JsonRpcErrorObject): ClassifiedMessage => ({
  kind: 'response',
  message: { jsonrpc: '2.0', id, error },
});

export const statusError = (url: string, status: number, what: string, detail: string): JsonRpcErrorObject =>
  fail.upstreamHttpStatus(url, status, what, detail).toJson();

export const streamError = (url: string, what: string, why: string): JsonRpcErrorObject =>
  fail.upstreamStreamLost(url, what, why).toJson();

const codeOf = (error: unknown): string | undefined => {
  const withCode = error as { code?: unknown; cause?: { code?: unknown } };
  const code = withCode.cause?.code ?? withCode.code;
  return typeof code === 'string' ? code : undefined;
};

/** Nothing listens at the address: the server is not up yet, or no longer. */
export const isRefused = (error: unknown): boolean => {
  const code = codeOf(error);
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
};

const CONNECT_HINTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the server running and listening on that port?)',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved yet',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed (give its CA in NODE_EXTRA_CA_CERTS)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate could not be verified (give its CA in NODE_EXTRA_CA_CERTS)',
};

/** Why an exchange failed below HTTP, in words. */
export function describeHttpError(error: unknown): string {
  const code = codeOf(error);
  return (code && CONNECT_HINTS[code]) ?? (code ? `${code}: ${errorText(error)}` : errorText(error));
}

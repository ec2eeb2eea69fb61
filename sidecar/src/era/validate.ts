// Validation of a 2026-07-28 request (streamable-http.mdx "Server Validation", basic/index.mdx "_meta"), in the
// order the reference servers and the conformance probes agree on: envelope (-32602), MCP-Protocol-Version present
// and equal to the body's (-32020), version served (-32022), method known and offered (404, -32601), Mcp-Method
// (-32020), Mcp-Name (-32020). Every failure is an HttpRefusal whose status, code and data the spec fixes. Pure.

import type { JsonRpcRequest } from '@mcp-sidecar/protocol';

import { type HttpRefusal, refuse } from '../errors.ts';
import { MODERN_PROTOCOL_VERSION } from './classify.ts';
import { type Envelope, readEnvelope } from './envelope.ts';
import { decodeHeaderValue, NAME_FIELD } from './headers.ts';
import { methodRefusalReason } from './methods.ts';

/** The request's headers as Node gives them (lower-case names; a list only for headers Node knows as lists). */
export type StandardHeaders = Readonly<Record<string, string | string[] | undefined>>;

const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** Checks a modern request; returns its envelope, or the refusal to answer with. */
export function validateModernRequest(
  request: JsonRpcRequest,
  headers: StandardHeaders,
  serverCapabilities: Readonly<Record<string, unknown>>,
): Envelope | HttpRefusal {
  const envelope = readEnvelope(request.params);
  if (typeof envelope === 'string') return refuse.meta(envelope);
  const version = envelope.protocolVersion;
  const headerVersion = one(headers['mcp-protocol-version']);
  if (headerVersion === undefined) {
    return refuse.header(`the MCP-Protocol-Version header is missing; send "${version}" as in params._meta`);
  }
  if (headerVersion !== version) {
    return refuse.header(
      `MCP-Protocol-Version "${headerVersion}" does not match params._meta's protocol version "${version}"`,
    );
  }
  if (version !== MODERN_PROTOCOL_VERSION) return refuse.version(version);
  const method = request.method;
  const why = methodRefusalReason(method, serverCapabilities);
  if (why !== undefined) return refuse.method(method, why);
  return (
    checkMethodHeader(method, one(headers['mcp-method'])) ??
    checkNameHeader(request, one(headers['mcp-name'])) ??
    envelope
  );
}

function checkMethodHeader(method: string, header: string | undefined): HttpRefusal | undefined {
  if (header === undefined) return refuse.header(`the Mcp-Method header is missing; send "${method}" in it`);
  const value = decodeHeaderValue(header);
  if (value === method) return undefined;
  return refuse.header(`Mcp-Method "${header}" does not match the body's method "${method}"`);
}

function checkNameHeader(request: JsonRpcRequest, header: string | undefined): HttpRefusal | undefined {
  const field = NAME_FIELD[request.method];
  if (field === undefined) return undefined;
  const expected = request.params?.[field];
  if (typeof expected !== 'string') {
    return refuse.meta(`params.${field} must be a string for ${request.method}`);
  }
  if (header === undefined) {
    return refuse.header(
      `the Mcp-Name header is missing; send params.${field} in it (as =?base64?…?= when not plain ASCII)`,
    );
  }
  const value = decodeHeaderValue(header);
  if (value === undefined) return refuse.header(`Mcp-Name "${header}" is not valid =?base64?…?= encoding`);
  if (value === expected) return undefined;
  return refuse.header(`Mcp-Name "${header}" does not match the body's params.${field} "${expected}"`);
}

// The HTTP headers an upstream request carries besides the body, derived from the JSON-RPC message alone: the
// caller's identity re-encoded as x-forwarded-client-cert (from the bridge's own `_meta` decoration, never from the
// client's headers: the client's HTTP request never reaches a transport), the W3C trace context, and the
// 2026-07-28 Mcp-Method / Mcp-Name routing headers (ignored by 2025-era servers). Pure: no I/O.

import type { JsonRpcMessage } from '@mcp-sidecar/protocol';

import { PEER_META_KEY } from '../../../identity/identity.ts';

/** The fields of the bridge's identity contract that XFCC can carry. */
interface PeerFields {
  readonly certHash?: unknown;
  readonly subject?: unknown;
  readonly spiffe?: unknown;
  readonly dns?: unknown;
}

/** Printable ASCII without control characters: what may go into a header value unchanged. */
const HEADER_SAFE = /^[\x20-\x7e]*$/;

/** A value of an XFCC element: quoted when it holds a separator or a quote (Envoy's encoding), else as is. */
function xfccValue(value: string): string {
  return /[",;=\\]/.test(value) ? `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"` : value;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' && HEADER_SAFE.test(value) ? value : undefined;

/**
 * One XFCC element for the caller (Envoy's `Hash=…;Subject="…";URI=…;DNS=…`), or undefined when the identity has
 * nothing a certificate would say (a token caller, an anonymous one).
 */
export function encodeXfcc(peer: unknown): string | undefined {
  if (typeof peer !== 'object' || peer === null) return undefined;
  const { certHash, subject, spiffe, dns } = peer as PeerFields;
  const parts: string[] = [];
  const hash = text(certHash);
  if (hash) parts.push(`Hash=${xfccValue(hash)}`);
  const subjectText = text(subject);
  if (subjectText) parts.push(`Subject="${subjectText.replace(/["\\]/g, (c) => `\\${c}`)}"`);
  const uri = text(spiffe);
  if (uri) parts.push(`URI=${xfccValue(uri)}`);
  const names = Array.isArray(dns) ? dns : [dns];
  for (const name of names.map(text)) if (name) parts.push(`DNS=${xfccValue(name)}`);
  return parts.length > 0 ? parts.join(';') : undefined;
}

/** What a request names, for Mcp-Name: the tool or prompt, or the resource URI. */
function nameOf(method: string, params: Record<string, unknown>): string | undefined {
  if (method === 'tools/call' || method === 'prompts/get') return text(params['name']);
  if (method.startsWith('resources/')) return text(params['uri']);
  return undefined;
}

/** The headers for POSTing `message` upstream, besides content type, accept, session and version. */
export function messageHeaders(message: JsonRpcMessage): Record<string, string> {
  if (!('method' in message)) return {};
  const headers: Record<string, string> = { 'mcp-method': message.method };
  const params: Record<string, unknown> = message.params ?? {};
  const name = nameOf(message.method, params);
  if (name !== undefined) headers['mcp-name'] = name;
  const meta = params['_meta'];
  if (typeof meta !== 'object' || meta === null) return headers;
  const traceparent = text((meta as Record<string, unknown>)['traceparent']);
  if (traceparent) headers['traceparent'] = traceparent;
  const tracestate = text((meta as Record<string, unknown>)['tracestate']);
  if (tracestate) headers['tracestate'] = tracestate;
  const xfcc = encodeXfcc((meta as Record<string, unknown>)[PEER_META_KEY]);
  if (xfcc) headers['x-forwarded-client-cert'] = xfcc;
  return headers;
}

// How the router answers a client's initialize from the cached InitializeResult, and names what a request is about.

import { isSupportedProtocolVersion, type JsonRpcRequest } from '@mcp-sidecar/protocol';

/**
 * The cached InitializeResult, with the version the client asked for when the bridge supports it and it is not
 * newer than what the upstream negotiated (spec: a server that supports the requested version answers with it);
 * otherwise the upstream's version, and the client decides.
 */
export function initializeAnswer(
  cached: Readonly<Record<string, unknown>>,
  requested: unknown,
): Record<string, unknown> {
  const negotiated = cached.protocolVersion;
  const older = typeof requested === 'string' && typeof negotiated === 'string' && requested <= negotiated;
  if (!older || !isSupportedProtocolVersion(requested)) return cached;
  return { ...cached, protocolVersion: requested };
}

/** The tool, prompt or resource a request is about, for error messages. */
export function targetOf(request: JsonRpcRequest): string | undefined {
  const params = request.params;
  const target = params?.name ?? params?.uri;
  return typeof target === 'string' ? target : undefined;
}

// Clients that reach the bridge over TLS, presenting a client certificate or none: an undici fetch bound to an Agent
// with the test CA (and the certificate), for raw requests and for the SDK clients' `fetch` option.

import { readFileSync } from 'node:fs';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Agent, fetch as undiciFetch } from 'undici';

import type { CertFiles } from './certs.ts';

export interface TlsFetch {
  readonly fetch: typeof fetch;
  readonly agent: Agent;
}

/** A fetch that trusts `caFile` and presents `client` (if given) on every connection it opens. */
export function tlsFetch(caFile: string, client?: CertFiles): TlsFetch {
  const connect = {
    ca: readFileSync(caFile, 'utf8'),
    ...(client ? { cert: readFileSync(client.cert, 'utf8'), key: readFileSync(client.key, 'utf8') } : {}),
  };
  const agent = new Agent({ connect });
  const bound = ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as string, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch;
  return { fetch: bound, agent };
}

/** An SDK v1 client connected over TLS with `tls` as its fetch. */
export async function connectV1Tls(url: string, tls: TlsFetch, name = 'tls-client'): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: tls.fetch }));
  return client;
}

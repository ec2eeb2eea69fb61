// The bridge's edges that the configuration switches on: TLS files, identity and access (tokens, JWKS, policy),
// tracing. Started before the listener, so a file that cannot be used stops the start-up with a SetupError, and
// closed last on shutdown (the tracer exports what it still holds).

import type { BridgeConfig } from '@mcp-sidecar/contract';
import type { TlsFileContents } from '@mcp-sidecar/edge';

import { loadTls, type TlsSettings } from './http/tls.ts';
import { type IdentityParts, startIdentity } from './identity/setup.ts';
import type { Logger } from './log.ts';
import { startTracing, type Tracing } from './tracing/start.ts';
import { BRIDGE_VERSION } from './version.ts';

export interface Edges {
  readonly tls: TlsSettings | undefined;
  readonly identity: IdentityParts;
  readonly tracing: Tracing | undefined;
  /** Set once the listener exists: what to do with new certificate files. */
  onTlsChange: (contents: TlsFileContents) => void;
  close(): Promise<void>;
}

export async function startEdges(config: BridgeConfig, resource: () => string, log: Logger): Promise<Edges> {
  let onTlsChange = (_contents: TlsFileContents): void => undefined;
  const tls = loadTls(
    config,
    (contents) => {
      onTlsChange(contents);
      log.info({ cert: config.tlsCert }, 'TLS files changed; new connections get the new certificate');
    },
    (error) => log.warn({ err: error }, 'could not load the changed TLS files; still serving the previous ones'),
  );
  let identity: IdentityParts | undefined;
  try {
    identity = await startIdentity(config, resource, log);
    const tracing = await startTracing(process.env, BRIDGE_VERSION, log);
    return {
      tls,
      identity,
      tracing,
      set onTlsChange(handler: (contents: TlsFileContents) => void) {
        onTlsChange = handler;
      },
      get onTlsChange() {
        return onTlsChange;
      },
      close: async () => {
        tls?.watcher.close();
        identity?.close();
        await tracing?.shutdown();
      },
    };
  } catch (error) {
    tls?.watcher.close();
    identity?.close();
    throw error;
  }
}

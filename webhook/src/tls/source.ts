// One interface over the three TLS modes: a first certificate, and a callback whenever a new one should be served.

import { KubeConfig } from '@kubernetes/client-node';

import type { TlsMode } from '../cli/parse.ts';
import type { Logger } from '../server/logger.ts';
import type { Metrics } from '../server/metrics.ts';
import { startTlsBootstrap } from './bootstrap.ts';
import { generateSelfSigned, type KeyPair, type TlsMaterial } from './certs.ts';
import { watchTlsFiles } from '@mcp-sidecar/edge';

export interface TlsSource {
  readonly initial: TlsMaterial;
  /** Looks for a new certificate now, instead of waiting for the watcher or the poll. */
  readonly check: () => Promise<void>;
  readonly close: () => void;
}

export interface TlsSourceContext {
  readonly pollMs: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly onChange: (pair: KeyPair) => void;
  /** --bootstrap-tls only; defaults to in-cluster / KUBECONFIG discovery. */
  readonly kubeConfig?: KubeConfig;
}

export async function openTlsSource(mode: TlsMode, context: TlsSourceContext): Promise<TlsSource> {
  const { logger, metrics, pollMs, onChange } = context;
  if (mode.kind === 'self-signed') {
    const material = await generateSelfSigned();
    logger.info('serving an in-memory self-signed certificate (for local use and tests)');
    return { initial: material, check: () => Promise.resolve(), close: () => undefined };
  }
  if (mode.kind === 'files') {
    const watcher = watchTlsFiles({
      ...mode,
      pollMs,
      onChange,
      onError: (error) => {
        metrics.tlsReloads.labels('failure').inc();
        logger.warn({ err: error }, 'could not load the changed certificate files; still serving the previous ones');
      },
    });
    return { initial: watcher.initial, check: watcher.check, close: watcher.close };
  }
  const kubeConfig = context.kubeConfig ?? defaultKubeConfig();
  const bootstrap = await startTlsBootstrap({ ...mode, kubeConfig, pollMs, logger, metrics, onChange });
  return { initial: bootstrap.initial, check: bootstrap.sync, close: bootstrap.close };
}

function defaultKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromDefault();
  return config;
}

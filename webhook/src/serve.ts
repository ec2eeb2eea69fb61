// `mcp-injector serve`: wires the TLS source, the HTTPS admission server and the admin server together. main.ts
// calls it with parsed flags; tests and the benchmark call it in-process with a port of 0 and their own seams.

import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import type { KubeConfig } from '@kubernetes/client-node';

import type { ServeOptions } from './cli/parse.ts';
import type { Pipeline } from './core/admit.ts';
import { createAdminHandler } from './server/admin-handler.ts';
import { createLogger, type Logger } from './server/logger.ts';
import { createMetrics, type Metrics } from './server/metrics.ts';
import { createMutateHandler, MUTATE_PATH } from './server/mutate-handler.ts';
import { assertUsable, type KeyPair, notAfter } from './tls/certs.ts';
import { openTlsSource } from './tls/source.ts';

export interface ServeDependencies {
  readonly logger?: Logger;
  /** --bootstrap-tls: the API server to use (tests point it at a fake). */
  readonly kubeConfig?: KubeConfig;
  /** Test seam for internal errors. */
  readonly pipeline?: Pipeline;
  readonly maxBodyBytes?: number;
}

export interface RunningInjector {
  readonly webhookUrl: string;
  readonly adminUrl: string;
  /** PEM of the CA that signed the served certificate, when the injector made it (self-signed, bootstrap). */
  readonly ca: string | undefined;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Looks for a new certificate now (the watcher and the poll do this on their own). */
  checkTls(): Promise<void>;
  /** Stops answering /readyz, waits `drainMs` for the endpoint to be taken out of rotation, then closes. */
  close(drainMs?: number): Promise<void>;
}

function listen(server: Server | HttpsServer, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

const urlHost = (address: AddressInfo): string => (address.family === 'IPv6' ? `[${address.address}]` : address.address);

export async function startInjector(options: ServeOptions, dependencies: ServeDependencies = {}): Promise<RunningInjector> {
  const logger = dependencies.logger ?? createLogger(options.logLevel);
  const metrics = createMetrics();
  let serving: { setSecureContext(pair: KeyPair): void } | undefined;
  const load = (pair: KeyPair, initial: boolean) => {
    assertUsable(pair);
    serving?.setSecureContext(pair);
    metrics.certificateExpiry.set(notAfter(pair.cert).getTime() / 1000);
    if (!initial) {
      metrics.tlsReloads.labels('success').inc();
      logger.info({ notAfter: notAfter(pair.cert).toISOString() }, 'serving a new certificate');
    }
  };
  const onChange = (pair: KeyPair) => load(pair, false);
  const tls = await openTlsSource(options.tls, { pollMs: options.tlsPollMs, logger, metrics, onChange, ...pick(dependencies) });
  load(tls.initial, true);
  const { pipeline, maxBodyBytes } = dependencies;
  const handler = createMutateHandler({ config: options.config, logger, metrics, pipeline, maxBodyBytes });
  const https = createHttpsServer({ cert: tls.initial.cert, key: tls.initial.key, minVersion: 'TLSv1.2' }, handler);
  // Outlive the API server's idle connections (90s), so it never reuses a connection this side is closing.
  https.keepAliveTimeout = 120_000;
  https.headersTimeout = 10_000;
  https.requestTimeout = 30_000;
  serving = https;
  let ready = false;
  const admin = createHttpServer(createAdminHandler({ metrics, ready: () => ready }));
  const [webhookAddress, adminAddress] = await Promise.all([
    listen(https, options.port, options.host),
    listen(admin, options.adminPort, options.host),
  ]);
  ready = true;
  const webhookUrl = `https://${urlHost(webhookAddress)}:${webhookAddress.port}${MUTATE_PATH}`;
  const adminUrl = `http://${urlHost(adminAddress)}:${adminAddress.port}`;
  logger.info({ webhookUrl, adminUrl, tls: options.tls.kind, config: options.config }, 'mcp-injector serving');
  const close = async (drainMs = 0) => {
    ready = false;
    if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
    tls.close();
    https.closeIdleConnections();
    await Promise.all([closeServer(https), closeServer(admin)]);
  };
  return { webhookUrl, adminUrl, ca: tls.initial.ca, metrics, logger, checkTls: tls.check, close };
}

const pick = (dependencies: ServeDependencies) => (dependencies.kubeConfig ? { kubeConfig: dependencies.kubeConfig } : {});

interface Closable {
  close(callback: () => void): unknown;
  closeIdleConnections(): void;
}

function closeServer(server: Closable): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

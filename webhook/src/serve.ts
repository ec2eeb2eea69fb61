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
  readonly checkTls: () => Promise<void>;
  /** Stops answering /readyz, waits `drainMs` for the endpoint to be taken out of rotation, then closes. */
  readonly close: (drainMs?: number) => Promise<void>;
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

const urlHost = (address: AddressInfo): string =>
  address.family === 'IPv6' ? `[${address.address}]` : address.address;

/** Swaps the certificate of a running server, and keeps the expiry gauge and reload counter current. */
function certificateSwitch(metrics: Metrics, logger: Logger) {
  let server: HttpsServer | undefined;
  return {
    attach: (target: HttpsServer) => void (server = target),
    load: (pair: KeyPair) => {
      assertUsable(pair);
      const expiry = notAfter(pair.cert);
      metrics.certificateExpiry.set(expiry.getTime() / 1000);
      if (!server) return;
      server.setSecureContext(pair);
      metrics.tlsReloads.labels('success').inc();
      logger.info({ notAfter: expiry.toISOString() }, 'serving a new certificate');
    },
  };
}

function createWebhookServer(pair: KeyPair, handler: ReturnType<typeof createMutateHandler>): HttpsServer {
  // noDelay: an admission answer is one small write; Nagle would hold it back waiting for an ACK.
  const https = createHttpsServer({ cert: pair.cert, key: pair.key, minVersion: 'TLSv1.2', noDelay: true }, handler);
  // Outlive the API server's idle connections (90s), so it never reuses a connection this side is closing.
  https.keepAliveTimeout = 120_000;
  https.headersTimeout = 10_000;
  https.requestTimeout = 30_000;
  return https;
}

export async function startInjector(
  options: ServeOptions,
  dependencies: ServeDependencies = {},
): Promise<RunningInjector> {
  const logger = dependencies.logger ?? createLogger(options.logLevel);
  const metrics = createMetrics();
  const certificates = certificateSwitch(metrics, logger);
  const context = { pollMs: options.tlsPollMs, logger, metrics, onChange: certificates.load, ...pick(dependencies) };
  const tls = await openTlsSource(options.tls, context);
  certificates.load(tls.initial);
  const { pipeline, maxBodyBytes } = dependencies;
  const https = createWebhookServer(
    tls.initial,
    createMutateHandler({ config: options.config, logger, metrics, pipeline, maxBodyBytes }),
  );
  certificates.attach(https);
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
    await Promise.all([closeServer(https), closeServer(admin)]);
  };
  return { webhookUrl, adminUrl, ca: tls.initial.ca, metrics, logger, checkTls: () => tls.check(), close };
}

const pick = (dependencies: ServeDependencies) =>
  dependencies.kubeConfig ? { kubeConfig: dependencies.kubeConfig } : {};

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

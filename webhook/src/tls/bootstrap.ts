// `--bootstrap-tls`: no cert-manager needed. At start the injector settles the shared Secret (creating the CA and
// serving certificate if nobody has) and patches the webhook configuration's caBundle; then it polls both, serving a
// certificate another replica renewed and re-asserting the caBundle when something reset it.

import { AdmissionregistrationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

import type { Logger } from '../server/logger.ts';
import type { Metrics } from '../server/metrics.ts';
import { syncCaBundle, type CaBundleSync } from './ca-bundle.ts';
import { type KeyPair, serviceDnsNames, type TlsMaterial } from './certs.ts';
import { ensureSecret, type SecretStoreOptions, type TlsBundle } from './secret-store.ts';

export interface BootstrapOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly secretName: string;
  readonly serviceName: string;
  readonly webhookConfigName: string;
  readonly pollMs: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly onChange: (pair: KeyPair) => void;
  readonly now?: () => Date;
  /** Re-issue the serving certificate when it has less than this left (default 30 days). */
  readonly renewBeforeMs?: number;
}

export interface TlsBootstrap {
  readonly initial: TlsMaterial;
  /** One round of the poll: Secret, then caBundle. */
  readonly sync: () => Promise<void>;
  readonly close: () => void;
}

const THIRTY_DAYS_MS = 30 * 86_400_000;

export async function startTlsBootstrap(options: BootstrapOptions): Promise<TlsBootstrap> {
  const { logger, metrics, webhookConfigName } = options;
  const log = logger.child({ tls: 'bootstrap' });
  const store: SecretStoreOptions = {
    api: options.kubeConfig.makeApiClient(CoreV1Api),
    namespace: options.namespace,
    secretName: options.secretName,
    dnsNames: serviceDnsNames(options.serviceName, options.namespace),
    renewBeforeMs: options.renewBeforeMs ?? THIRTY_DAYS_MS,
    now: options.now ?? (() => new Date()),
    log: (message) => log.info(message),
  };
  const admission = options.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  const report = caBundleReporter(log, metrics, webhookConfigName);
  let bundle: TlsBundle = await ensureSecret(store);
  report(await syncCaBundle(admission, webhookConfigName, bundle.ca.cert));

  const sync = async (): Promise<void> => {
    const next = await ensureSecret(store);
    if (next.serving.cert !== bundle.serving.cert || next.serving.key !== bundle.serving.key) {
      log.info('the Secret holds a new serving certificate; serving it');
      options.onChange(next.serving);
    }
    bundle = next;
    report(await syncCaBundle(admission, webhookConfigName, bundle.ca.cert));
  };
  let running: Promise<void> | undefined;
  const round = (): Promise<void> =>
    (running ??= sync()
      .catch((error: unknown) => log.warn({ err: error }, 'TLS bootstrap poll failed; serving the current certificate'))
      .finally(() => (running = undefined)));
  const timer = setInterval(() => void round(), options.pollMs);
  timer.unref();
  return { initial: { ...bundle.serving, ca: bundle.ca.cert }, sync: round, close: () => clearInterval(timer) };
}

/** Metrics for every poll; a log line only when the state changes, so a steady state does not fill the log. */
function caBundleReporter(log: Logger, metrics: Metrics, name: string): (sync: CaBundleSync) => void {
  let last = '';
  return (sync) => {
    metrics.caBundleInSync.set(sync.result === 'in-sync' || sync.result === 'patched' ? 1 : 0);
    if (sync.result === 'patched') metrics.caBundlePatches.labels('success').inc();
    if (sync.result === 'failed') metrics.caBundlePatches.labels('failure').inc();
    const state = sync.result === 'failed' ? `failed ${sync.message}` : sync.result;
    if (state === last && sync.result !== 'patched') return;
    last = state;
    if (sync.result === 'patched')
      log.info({ webhooks: sync.webhooks }, `patched the caBundle of MutatingWebhookConfiguration ${name}`);
    else if (sync.result === 'missing')
      log.warn(`MutatingWebhookConfiguration ${name} not found; its caBundle is patched once it exists`);
    else if (sync.result === 'failed')
      log.warn({ status: sync.status }, `could not patch the caBundle of ${name}: ${sync.message}`);
    else log.info(`the caBundle of MutatingWebhookConfiguration ${name} is current`);
  };
}

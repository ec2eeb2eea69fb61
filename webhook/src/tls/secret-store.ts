// The Secret that replicas share as the source of truth for the CA and the serving certificate. Whoever finds it
// missing (or unusable) writes a new one; optimistic concurrency decides between replicas that race: a 409 on create or
// update means another replica won, and its Secret is read back and served instead.

import { type CoreV1Api, type V1Secret } from '@kubernetes/client-node';

import { certificateProblem, generateCa, issueServingCert, type KeyPair } from './certs.ts';

export interface TlsBundle {
  readonly ca: KeyPair;
  readonly serving: KeyPair;
}

export interface SecretStoreOptions {
  readonly api: CoreV1Api;
  readonly namespace: string;
  readonly secretName: string;
  readonly dnsNames: readonly string[];
  /** A serving certificate with less time left than this is re-issued. */
  readonly renewBeforeMs: number;
  readonly now: () => Date;
  readonly log: (message: string) => void;
}

export const SECRET_KEYS = { caCert: 'ca.crt', caKey: 'ca.key', cert: 'tls.crt', key: 'tls.key' } as const;

const ATTEMPTS = 5;

export const statusOf = (error: unknown): number | undefined =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number'
    ? error.code
    : undefined;

const decode = (data: Record<string, string> | undefined, key: string): string | undefined => {
  const value = data?.[key];
  return value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
};

const encode = (text: string): string => Buffer.from(text).toString('base64');

export function bundleFromSecret(secret: V1Secret): TlsBundle | undefined {
  const [caCert, caKey, cert, key] = [SECRET_KEYS.caCert, SECRET_KEYS.caKey, SECRET_KEYS.cert, SECRET_KEYS.key].map(
    (name) => decode(secret.data, name),
  );
  if (!caCert || !caKey || !cert || !key) return undefined;
  return { ca: { cert: caCert, key: caKey }, serving: { cert, key } };
}

function secretData(bundle: TlsBundle): Record<string, string> {
  return {
    [SECRET_KEYS.caCert]: encode(bundle.ca.cert),
    [SECRET_KEYS.caKey]: encode(bundle.ca.key),
    [SECRET_KEYS.cert]: encode(bundle.serving.cert),
    [SECRET_KEYS.key]: encode(bundle.serving.key),
  };
}

/** Why the stored bundle cannot be served as it is, or undefined when it can. */
export function bundleProblem(bundle: TlsBundle | undefined, options: SecretStoreOptions): string | undefined {
  if (!bundle) return 'it lacks some of ca.crt, ca.key, tls.crt and tls.key';
  const now = options.now();
  const ca = certificateProblem(bundle.ca, { now, minRemainingMs: options.renewBeforeMs });
  if (ca) return `its CA is unusable: ${ca}`;
  const serving = certificateProblem(bundle.serving, {
    ca: bundle.ca,
    dnsNames: options.dnsNames,
    now,
    minRemainingMs: options.renewBeforeMs,
  });
  return serving ? `its serving certificate must be re-issued: ${serving}` : undefined;
}

/** A new serving certificate, from the stored CA when that CA is still good, else from a new CA. */
async function renew(previous: TlsBundle | undefined, options: SecretStoreOptions): Promise<TlsBundle> {
  const now = options.now();
  const keepCa =
    previous !== undefined &&
    certificateProblem(previous.ca, { now, minRemainingMs: options.renewBeforeMs }) === undefined;
  const ca = keepCa ? previous.ca : await generateCa('mcp-injector CA', now);
  return { ca, serving: await issueServingCert(ca, { dnsNames: options.dnsNames }, now) };
}

async function readSecret(options: SecretStoreOptions): Promise<V1Secret | undefined> {
  try {
    return await options.api.readNamespacedSecret({ name: options.secretName, namespace: options.namespace });
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** Writes `bundle`: create when `existing` is undefined, else update with its resourceVersion. False on a lost race. */
async function writeSecret(
  existing: V1Secret | undefined,
  bundle: TlsBundle,
  options: SecretStoreOptions,
): Promise<boolean> {
  const { api, namespace, secretName } = options;
  try {
    if (existing) {
      const body: V1Secret = { ...existing, data: { ...existing.data, ...secretData(bundle) } };
      await api.replaceNamespacedSecret({ name: secretName, namespace, body });
    } else {
      const metadata = { name: secretName, namespace, labels: { 'app.kubernetes.io/managed-by': 'mcp-injector' } };
      await api.createNamespacedSecret({
        namespace,
        body: { metadata, type: 'kubernetes.io/tls', data: secretData(bundle) },
      });
    }
    return true;
  } catch (error) {
    if (statusOf(error) === 409) return false;
    throw error;
  }
}

/** The bundle every replica serves: the stored one when usable, else a new one written back to the Secret. */
export async function ensureSecret(options: SecretStoreOptions): Promise<TlsBundle> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    const secret = await readSecret(options);
    const stored = secret ? bundleFromSecret(secret) : undefined;
    const problem = secret ? bundleProblem(stored, options) : 'it does not exist';
    if (problem === undefined && stored) return stored;
    options.log(`Secret ${options.namespace}/${options.secretName} needs a new certificate: ${problem ?? ''}`);
    const bundle = await renew(stored, options);
    if (await writeSecret(secret, bundle, options)) return bundle;
    options.log(
      `another replica wrote Secret ${options.namespace}/${options.secretName} first; reading its certificate`,
    );
  }
  throw new Error(`could not settle Secret ${options.namespace}/${options.secretName} after ${ATTEMPTS} attempts`);
}

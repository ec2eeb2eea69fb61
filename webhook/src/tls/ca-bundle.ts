// Keeps `clientConfig.caBundle` of every webhook in the MutatingWebhookConfiguration equal to our CA, so the API
// server trusts the certificate the injector serves. Called at start and on every poll, which also undoes drift (a
// GitOps sync or `kubectl apply` that resets the field). JSON Patch with a `test` of each entry's name, so a
// concurrent reordering of the webhooks list fails the patch instead of writing the bundle into the wrong entry.

import { type AdmissionregistrationV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

import { statusOf } from './secret-store.ts';

export type CaBundleSync =
  | { readonly result: 'in-sync' }
  | { readonly result: 'patched'; readonly webhooks: number }
  | { readonly result: 'missing' }
  | { readonly result: 'failed'; readonly status: number | undefined; readonly message: string };

export async function syncCaBundle(
  api: AdmissionregistrationV1Api,
  name: string,
  caPem: string,
): Promise<CaBundleSync> {
  const want = Buffer.from(caPem).toString('base64');
  try {
    const config = await api.readMutatingWebhookConfiguration({ name });
    const ops = (config.webhooks ?? []).flatMap((webhook, index) =>
      webhook.clientConfig.caBundle === want
        ? []
        : [
            { op: 'test', path: `/webhooks/${index}/name`, value: webhook.name },
            { op: 'add', path: `/webhooks/${index}/clientConfig/caBundle`, value: want },
          ],
    );
    if (ops.length === 0) return { result: 'in-sync' };
    await api.patchMutatingWebhookConfiguration(
      { name, body: ops },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    return { result: 'patched', webhooks: ops.length / 2 };
  } catch (error) {
    const status = statusOf(error);
    if (status === 404) return { result: 'missing' };
    const hint =
      status === 403 ? ` (RBAC: the injector needs get and patch on mutatingwebhookconfigurations/${name})` : '';
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    return { result: 'failed', status, message: `${message}${hint}` };
  }
}

// Turns the injector's output for one workload into a bare Pod for `podman kube play` (the lab has no cluster):
// the workload's pod template, as injected, plus the ConfigMaps of the same stream. Only lab plumbing is added, and
// only to the server container: the npm registry and CA bundle npx needs at run time (what `container-lab run`
// passes to plain containers). Everything the injector rendered is kept as is.
//
//   node webhook/bin/mcp-injector.js inject --sidecar-mode classic --sidecar-image localhost/mcp-sidecar:dev \
//     -f manifests/examples/server-everything.yaml |
//   node test/e2e/podman/classic-pod.ts --workload Deployment/everything --npm-registry "$(npm config get registry)"

import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { Document, parseAllDocuments } from 'yaml';

type Json = Record<string, unknown>;
interface Container extends Json {
  name: string;
  env?: Json[];
  volumeMounts?: Json[];
}
interface Template {
  metadata?: Json;
  spec: Json & { containers: Container[]; initContainers?: Container[]; volumes?: Json[] };
}

const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * podman 4.3's kube play checks annotation values against the 63-character limit of label values (Kubernetes allows
 * 256 KiB), and refuses mcp.io/status. Nothing at run time reads it (it serves re-invocation at admission), so the
 * lab pod goes without; stderr says so.
 */
function podmanSafe(metadata: Json): Json {
  const annotations = (metadata.annotations ?? {}) as Record<string, string>;
  const long = Object.keys(annotations).filter((key) => annotations[key]!.length > 63);
  for (const key of long)
    console.error(`classic-pod: dropped annotation ${key} (podman 4.3 limits values to 63 chars)`);
  const kept = Object.fromEntries(Object.entries(annotations).filter(([key]) => !long.includes(key)));
  return { ...metadata, annotations: kept };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      workload: { type: 'string' },
      container: { type: 'string', default: 'server' },
      'npm-registry': { type: 'string' },
      'ca-dir': { type: 'string', default: '/etc/ssl/certs' },
      'volumes-file': { type: 'string' },
    },
  });
  const [kind, name] = (values.workload ?? '').split('/');
  if (!kind || !name) throw new Error('usage: classic-pod.ts --workload <Kind>/<name> < injected.yaml');
  const objects = parseAllDocuments(readFileSync(0, 'utf8'), { version: '1.1' })
    .map((d) => d.toJS() as Json | null)
    .filter((o): o is Json => o !== null);
  const workload = objects.find((o) => o.kind === kind && (o.metadata as Json | undefined)?.name === name);
  const template = (workload?.spec as { template?: Template } | undefined)?.template;
  if (!template) throw new Error(`no ${kind}/${name} with a pod template on stdin`);
  const all = [...(template.spec.initContainers ?? []), ...template.spec.containers];
  if (!all.some((c) => c.name === 'mcp-sidecar')) throw new Error(`${kind}/${name} was not injected`);
  if (template.spec.initContainers?.some((c) => c.restartPolicy === 'Always')) {
    throw new Error('native sidecar layout: podman runs init containers to completion; inject with classic');
  }
  const server = template.spec.containers.find((c) => c.name === values.container);
  if (!server) throw new Error(`no container ${values.container}`);
  if (values['npm-registry']) {
    server.env = [
      ...(server.env ?? []),
      { name: 'NPM_CONFIG_REGISTRY', value: values['npm-registry'] },
      { name: 'NODE_EXTRA_CA_CERTS', value: CA_BUNDLE },
    ];
    server.volumeMounts = [
      ...(server.volumeMounts ?? []),
      { name: 'lab-ca', mountPath: '/etc/ssl/certs', readOnly: true },
    ];
    template.spec.volumes = [
      ...(template.spec.volumes ?? []),
      { name: 'lab-ca', hostPath: { path: values['ca-dir'], type: 'Directory' } },
    ];
  }
  const namespace = (workload?.metadata as Json).namespace;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...podmanSafe(template.metadata ?? {}), name, ...(namespace ? { namespace } : {}) },
    spec: { ...template.spec, restartPolicy: 'Never' },
  };
  const configMaps = objects.filter((o) => o.kind === 'ConfigMap');
  if (values['volumes-file']) {
    // The podman volumes `kube play` will create: one per emptyDir (by volume name) and per ConfigMap (by its name).
    const volumes = (template.spec.volumes ?? []).flatMap((v) => {
      if (v.emptyDir) return [String(v.name)];
      const configMap = v.configMap as { name?: string } | undefined;
      return configMap?.name ? [configMap.name] : [];
    });
    writeFileSync(values['volumes-file'], `${volumes.join('\n')}\n`);
  }
  const docs = [...configMaps, pod].map((o) => new Document(o, { version: '1.1' }).toString({ lineWidth: 0 }));
  process.stdout.write(docs.join('---\n'));
}

main();

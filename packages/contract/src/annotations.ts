// The injector's pod annotations: names, what they accept, and how their values are checked.
// Annotations that configure the bridge are validated with the bridge's own option parsers, so a value the
// injector admits is always a value the bridge accepts.

import { BRIDGE_OPTIONS } from './bridge-options.ts';
import { type ResourceRequirements } from './defaults.ts';
import { lazySchema } from './lazy-zod.ts';
import type { HttpUpstream } from './upstream.ts';
import { fail, ok, type Parsed, parseBoolean, parseJsonWith } from '@mcp-sidecar/cli';

export const ANNOTATIONS = {
  inject: 'mcp.io/inject',
  container: 'mcp.io/container',
  command: 'mcp.io/command',
  upstream: 'mcp.io/upstream',
  pty: 'mcp.io/pty',
  sessionMode: 'mcp.io/session-mode',
  port: 'mcp.io/port',
  warmup: 'mcp.io/warmup',
  sidecarImage: 'mcp.io/sidecar-image',
  sidecarResources: 'mcp.io/sidecar-resources',
  nativeSidecar: 'mcp.io/native-sidecar',
  tlsSecret: 'mcp.io/tls-secret',
  tlsClientAuth: 'mcp.io/tls-client-auth',
  auth: 'mcp.io/auth',
  authSecret: 'mcp.io/auth-secret',
  jwtJwks: 'mcp.io/jwt-jwks',
  jwtIssuer: 'mcp.io/jwt-issuer',
  jwtAudience: 'mcp.io/jwt-audience',
  policyConfigMap: 'mcp.io/policy-configmap',
  otelEndpoint: 'mcp.io/otel-endpoint',
  status: 'mcp.io/status',
} as const;

export type AnnotationKey = keyof typeof ANNOTATIONS;

/** Namespace label that turns injection on for a namespace (the webhook's namespaceSelector). */
export const NAMESPACE_LABEL = 'mcp.io/injection';
export const NAMESPACE_LABEL_VALUE = 'enabled';

const resourcesSchema = lazySchema<ResourceRequirements>((z) => {
  const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/, 'not a Kubernetes quantity');
  const cpuAndMemory = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() });
  return z.strictObject({ requests: cpuAndMemory.optional(), limits: cpuAndMemory.optional() });
});
/** A Secret's or ConfigMap's name: a DNS-1123 subdomain. */
const OBJECT_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A ConfigMap key. */
const CONFIG_KEY = /^(?=.{1,253}$)[-._a-zA-Z0-9]+$/;

const parseObjectName = (raw: string): Parsed<string> =>
  OBJECT_NAME.test(raw)
    ? ok(raw)
    : fail("expected the name of an object in the pod's namespace (lower case, digits, - and .)");

/** The key of mcp.io/policy-configmap when the value names none. */
export const DEFAULT_POLICY_KEY = 'policy.yaml';

export interface ConfigMapKey {
  readonly name: string;
  readonly key: string;
}

function parseConfigMapKey(raw: string): Parsed<ConfigMapKey> {
  const [name = '', key = DEFAULT_POLICY_KEY, extra] = raw.split('/');
  if (extra !== undefined || !OBJECT_NAME.test(name) || !CONFIG_KEY.test(key) || key === '.' || key === '..') {
    return fail('expected a ConfigMap name, optionally followed by /<key> (default key policy.yaml)');
  }
  return ok({ name, key });
}

/** An absolute http(s) URL with a host; `what` names it in the error. */
function parseHttpUrl(raw: string, what: string): Parsed<string> {
  const expected = fail<string>(`expected ${what}, an http:// or https:// URL`);
  if (!/^https?:\/\/[^\s/?#]+[^\s]*$/.test(raw)) return expected;
  try {
    return new URL(raw).hostname === '' ? expected : ok(raw);
  } catch {
    return expected;
  }
}

/** The bridge's own parser of a text option, where an annotation must say something (empty means "not set" there). */
function required(parse: (raw: string) => Parsed<string | null>): (raw: string) => Parsed<string> {
  return (raw) => {
    const parsed = parse(raw);
    if (!parsed.ok) return parsed;
    return parsed.value === null ? fail('the value is empty') : ok(parsed.value);
  };
}

const commandSchema = lazySchema<string[]>((z) =>
  z.array(z.string().min(1, 'empty strings are not allowed')).min(1, 'the list is empty'),
);

export interface AnnotationSpec<T> {
  readonly values: string;
  readonly default: string;
  readonly description: string;
  /** A valid example, quoted in error messages as the fix. */
  readonly example: string;
  readonly parse: (raw: string) => Parsed<T>;
}

const annotation = <T>(spec: AnnotationSpec<T>): AnnotationSpec<T> => spec;

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/** `stdio`, or an HTTP endpoint in the pod itself, validated with the bridge's own --upstream parser. */
function parseUpstreamAnnotation(raw: string): Parsed<'stdio' | HttpUpstream> {
  if (raw === 'stdio') return ok('stdio');
  if (raw.startsWith('unix:'))
    return fail('expected stdio or http://127.0.0.1:PORT/path (the injector places the socket itself)');
  const bridge = BRIDGE_OPTIONS.upstream.parse(raw);
  if (!bridge.ok) return fail(bridge.error);
  const target = bridge.value;
  if (target?.kind !== 'http') return fail('expected stdio or http://127.0.0.1:PORT/path');
  const host = new URL(target.url).hostname;
  if (!LOOPBACK_HOSTS.includes(host)) {
    return fail(`expected a server in this pod, at http://127.0.0.1:PORT/path, not ${host}`);
  }
  return ok(target);
}

/**
 * Identity, access and tracing: Secrets and a ConfigMap the injector mounts into the bridge read-only, and the
 * bridge's own options (validated with its parsers).
 */
const IDENTITY_ANNOTATION_SPECS = {
  tlsSecret: annotation({
    values: 'a Secret name',
    default: 'plain HTTP',
    description:
      'Serve the MCP port over TLS: the Secret (`tls.crt`, `tls.key`, and `ca.crt` for client certificates) is mounted read-only into the bridge.',
    example: '"mcp-server-tls"',
    parse: parseObjectName,
  }),
  tlsClientAuth: annotation({
    values: '`none`, `optional` or `require`',
    default: '`none`',
    description:
      'Client certificates (`--tls-client-auth`), verified against the `ca.crt` of `mcp.io/tls-secret`. Needs `mcp.io/tls-secret`.',
    example: '"require"',
    parse: BRIDGE_OPTIONS.tlsClientAuth.parse,
  }),
  auth: annotation({
    values: '`none`, `token` or `jwt`',
    default: '`none`',
    description:
      'Bearer tokens (`--auth`). `token` needs `mcp.io/auth-secret`; `jwt` needs `mcp.io/jwt-audience` and `mcp.io/jwt-jwks` (or a `jwks.json` in `mcp.io/auth-secret`).',
    example: '"jwt"',
    parse: BRIDGE_OPTIONS.auth.parse,
  }),
  authSecret: annotation({
    values: 'a Secret name',
    default: '—',
    description:
      'Mounted read-only into the bridge: key `tokens` is the `--auth-token-file`; key `jwks.json` the `--jwt-jwks` when `mcp.io/jwt-jwks` is not set.',
    example: '"mcp-server-tokens"',
    parse: parseObjectName,
  }),
  jwtJwks: annotation({
    values: 'an http(s) URL',
    default: '`jwks.json` of `mcp.io/auth-secret`',
    description: '`--jwt-jwks`: where the keys that sign accepted JWTs are published.',
    example: '"https://issuer.example.com/.well-known/jwks.json"',
    parse: (raw) => {
      const url = parseHttpUrl(raw, 'the JWKS URL');
      return url.ok ? required(BRIDGE_OPTIONS.jwtJwks.parse)(raw) : url;
    },
  }),
  jwtIssuer: annotation({
    values: 'text',
    default: '—',
    description: '`--jwt-issuer`: the `iss` an accepted JWT must carry.',
    example: '"https://issuer.example.com"',
    parse: required(BRIDGE_OPTIONS.jwtIssuer.parse),
  }),
  jwtAudience: annotation({
    values: 'text',
    default: '—',
    description:
      '`--jwt-audience`: the `aud` an accepted JWT must carry, usually the URL clients use for this server. Needed with `mcp.io/auth: jwt`.',
    example: '"https://mcp.example.com/mcp"',
    parse: required(BRIDGE_OPTIONS.jwtAudience.parse),
  }),
  policyConfigMap: annotation({
    values: '`<configmap>` or `<configmap>/<key>`',
    default: 'no policy',
    description:
      'Access policy (`--policy`): the ConfigMap key (default `policy.yaml`) is mounted read-only into the bridge; edits apply without a restart.',
    example: '"mcp-policy/policy.yaml"',
    parse: parseConfigMapKey,
  }),
  otelEndpoint: annotation({
    values: 'an http(s) URL',
    default: 'tracing off',
    description:
      "OTLP/HTTP endpoint of the bridge's traces: `OTEL_EXPORTER_OTLP_ENDPOINT`, and `OTEL_SERVICE_NAME` from the pod's `app.kubernetes.io/name` or `app` label, else the server container's name.",
    example: '"http://otel-collector.observability:4318"',
    parse: (raw) => parseHttpUrl(raw, 'the OTLP endpoint'),
  }),
} as const;

export const ANNOTATION_SPECS = {
  inject: annotation({
    values: '`"true"` or `"false"`',
    default: '`"false"`',
    description: 'Opt the pod in. The namespace must also carry the label `mcp.io/injection=enabled`.',
    example: '"true"',
    parse: (raw) => (raw === 'true' || raw === 'false' ? parseBoolean(raw) : fail('expected "true" or "false"')),
  }),
  container: annotation({
    values: 'a container name',
    default: 'the only container',
    description: 'The container that runs the stdio MCP server. Required when the pod has several containers.',
    example: '"server"',
    parse: (raw) => (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(raw) ? ok(raw) : fail('expected a container name')),
  }),
  command: annotation({
    values: 'JSON list of strings',
    default: "the container's `command` + `args`",
    description:
      'The server command when the container spec has no `command` (the image ENTRYPOINT is never looked up).',
    example: '\'["npx", "-y", "@modelcontextprotocol/server-everything"]\'',
    parse: (raw) => parseJsonWith(raw, commandSchema(), 'a JSON list of strings'),
  }),
  upstream: annotation({
    values: '`stdio` or `http://127.0.0.1:PORT/path`',
    default: '`stdio`',
    description:
      'How the bridge reaches the server: its stdio, through mcp-shim; or the Streamable HTTP endpoint the server ' +
      'container already serves in the pod (then no shim and no command rewrite: only the bridge in front).',
    example: '"http://127.0.0.1:3000/mcp"',
    parse: parseUpstreamAnnotation,
  }),
  pty: annotation({
    values: '`"true"` or `"false"`',
    default: '`"false"`',
    description:
      'Run the stdio server on a pseudo-terminal (`mcp-shim --pty`), for servers that block-buffer stdout on a pipe (Python `print()` without flush).',
    example: '"true"',
    parse: (raw) => (raw === 'true' || raw === 'false' ? parseBoolean(raw) : fail('expected "true" or "false"')),
  }),
  sessionMode: annotation({
    values: '`shared` or `per-session`',
    default: '`shared`',
    description: 'Passed to the bridge as `--session-mode`. per-session starts one server process per MCP session.',
    example: '"per-session"',
    parse: BRIDGE_OPTIONS.sessionMode.parse,
  }),
  port: annotation({
    values: 'a port number',
    default: '`8080`',
    description: 'Port of the injected MCP endpoint; must not clash with ports the pod already declares.',
    example: '"8080"',
    parse: (raw) => {
      const parsed = BRIDGE_OPTIONS.port.parse(raw);
      return parsed.ok && parsed.value === 0 ? fail('expected a port from 1 to 65535') : parsed;
    },
  }),
  warmup: annotation({
    values: 'JSON list of `{"method","params"}`',
    default: '`[]`',
    description: 'Calls the bridge makes before it reports ready (`--warmup`).',
    example: '\'[{"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}]\'',
    parse: BRIDGE_OPTIONS.warmup.parse,
  }),
  sidecarImage: annotation({
    values: 'an image reference',
    default: "the injector's `--sidecar-image`",
    description: 'Bridge image for this pod (it also provides mcp-shim).',
    example: '"ghcr.io/mcp-sidecar/mcp-sidecar:0.1.0"',
    parse: (raw) => (/^[^\s]+$/.test(raw) ? ok(raw) : fail('expected an image reference without spaces')),
  }),
  sidecarResources: annotation<ResourceRequirements>({
    values: 'JSON `{"requests":{...},"limits":{...}}`',
    default: 'requests 50m/64Mi, limits 1/256Mi',
    description: "The bridge container's resources.",
    example: '\'{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"memory":"256Mi"}}\'',
    parse: (raw) => parseJsonWith(raw, resourcesSchema(), 'JSON resource requirements'),
  }),
  nativeSidecar: annotation({
    values: '`"true"` or `"false"`',
    default: "the injector's `--sidecar-mode`",
    description: 'Force the native sidecar layout (an init container with restartPolicy Always) or the classic one.',
    example: '"false"',
    parse: (raw) => (raw === 'true' || raw === 'false' ? parseBoolean(raw) : fail('expected "true" or "false"')),
  }),
  ...IDENTITY_ANNOTATION_SPECS,
} as const;

export type ConfigAnnotationKey = keyof typeof ANNOTATION_SPECS;

/**
 * Reads one annotation. `undefined` when absent; otherwise the value or an error message that names the
 * annotation, the bad value and a valid example, ready to be returned to the user as an admission denial.
 */
export function readAnnotation<K extends ConfigAnnotationKey>(
  annotations: Readonly<Record<string, string>> | undefined,
  key: K,
): Parsed<(typeof ANNOTATION_SPECS)[K] extends AnnotationSpec<infer T> ? T : never> | undefined {
  const name = ANNOTATIONS[key];
  const raw = annotations?.[name];
  if (raw === undefined) return undefined;
  const spec = ANNOTATION_SPECS[key] as AnnotationSpec<unknown>;
  const parsed = spec.parse(raw);
  if (parsed.ok) return parsed as never;
  return fail(`annotation ${name}="${raw}" is invalid: ${parsed.error}. Fix: set ${name}: ${spec.example}`);
}

/** The README's annotations table, generated from the specs. */
export function renderAnnotationsMarkdown(): string {
  const header = ['| Annotation | Values | Default | Description |', '| --- | --- | --- | --- |'];
  const rows = (Object.keys(ANNOTATION_SPECS) as ConfigAnnotationKey[]).map((key) => {
    const spec = ANNOTATION_SPECS[key] as AnnotationSpec<unknown>;
    return `| \`${ANNOTATIONS[key]}\` | ${spec.values} | ${spec.default} | ${spec.description} |`;
  });
  const status = `| \`${ANNOTATIONS.status}\` | written by the injector | — | JSON record of what was injected; makes re-invocation idempotent. |`;
  return [...header, ...rows, status].join('\n');
}

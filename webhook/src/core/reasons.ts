// Every admission outcome carries one of these codes. The same code is the `reason` label of the metrics, the
// `reason` field of the log line, the `status.reason` of a denial and a row of the README's reasons table, so the
// set is closed: add a code here (with its sentence) before using it anywhere.

export type Outcome = 'injected' | 'skipped' | 'denied' | 'error';

interface ReasonSpec {
  readonly outcome: Outcome;
  readonly sentence: string;
}

const reason = (outcome: Outcome, sentence: string): ReasonSpec => ({ outcome, sentence });

export const REASONS = {
  injected: reason('injected', 'The bridge, the shim and the shared volume were added to the pod.'),
  already_injected: reason('skipped', 'The pod already has everything mcp.io/status lists; the patch is empty.'),
  annotation_absent: reason('skipped', 'The pod has no mcp.io/inject annotation.'),
  injection_disabled: reason('skipped', 'The pod sets mcp.io/inject: "false".'),
  not_a_pod: reason('skipped', 'The request is not for a Pod (or is for a subresource); it is allowed unchanged.'),
  not_create: reason('skipped', 'Only CREATE requests are mutated; other operations are allowed unchanged.'),
  invalid_annotation: reason('denied', 'An mcp.io/* annotation has a value the injector does not accept.'),
  missing_annotation: reason('denied', 'An mcp.io/* annotation needs another one that the pod does not set.'),
  invalid_pod: reason('denied', 'A field the injector reads has the wrong type (the API server would reject it too).'),
  container_required: reason(
    'denied',
    'The pod has several app containers (mesh proxies and agents do not count) and neither mcp.io/container nor ' +
      'kubectl.kubernetes.io/default-container names one of them.',
  ),
  container_not_found: reason(
    'denied',
    'mcp.io/container names no container of the pod, or one that is not an MCP server (a mesh proxy, an agent).',
  ),
  missing_command: reason('denied', 'The server container has no command and there is no mcp.io/command annotation.'),
  port_conflict: reason('denied', "The bridge's MCP or admin port is already declared by a container of the pod."),
  windows_pod: reason('denied', 'The pod runs on Windows; the bridge and the shim are Linux programs.'),
  host_network: reason('denied', "The pod uses hostNetwork, where the bridge's ports would open on the node."),
  job_needs_native_sidecar: reason(
    'denied',
    'The pod runs to completion (a Job) and the classic layout would keep it running forever.',
  ),
  reserved_name: reason('denied', 'The pod already uses a container or volume name the injector reserves.'),
  mount_path_conflict: reason('denied', 'The server container already mounts another volume at /mcp.'),
  internal_error: reason('error', 'The injector failed; --failure-mode decides whether the pod is admitted.'),
} as const satisfies Record<string, ReasonSpec>;

export type ReasonCode = keyof typeof REASONS;

export const REASON_CODES = Object.keys(REASONS) as ReasonCode[];

/** The README's reasons table. */
export function renderReasonsMarkdown(): string {
  const rows = REASON_CODES.map((code) => `| \`${code}\` | ${REASONS[code].outcome} | ${REASONS[code].sentence} |`);
  return ['| Reason | Outcome | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

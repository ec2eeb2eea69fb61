// Port clashes between the bridge and the pod's own containers. Containers of a pod share one network namespace,
// so two of them declaring the same port means one of them fails to bind at runtime; refusing the pod at admission
// turns that crash loop into a message with the fix.

import { ANNOTATIONS, PORTS } from '@mcp-sidecar/contract';

import { type Denial, deny } from './checks.ts';
import type { Container } from './pod.ts';
import type { PodSettings } from './settings.ts';

interface DeclaredPort {
  readonly container: string;
  readonly port: number;
}

function declaredPorts(containers: readonly Container[]): DeclaredPort[] {
  return containers.flatMap((c) => (c.ports ?? []).map((p) => ({ container: c.name, port: p.containerPort })));
}

/** A port to suggest in the fix: the first from 8080 up that nothing in the pod uses. */
function freePort(declared: readonly DeclaredPort[]): number {
  let port: number = PORTS.mcp;
  while (port === PORTS.admin || declared.some((d) => d.port === port)) port += 1;
  return port;
}

/** `containers` are the pod's containers and init containers, without the ones the injector added earlier. */
export function checkPorts(containers: readonly Container[], settings: PodSettings): Denial | undefined {
  const declared = declaredPorts(containers);
  // Built only for a denial: most admissions have no clash and need no suggestion.
  const suggestion = () =>
    `Fix: set ${ANNOTATIONS.port}: "${freePort(declared)}" (a port no container of the pod declares)`;
  if (settings.port === PORTS.admin) {
    return deny(
      'port_conflict',
      `annotation ${ANNOTATIONS.port}="${settings.port}" is the bridge's own admin port. ${suggestion()}`,
    );
  }
  const mcp = declared.find((d) => d.port === settings.port);
  if (mcp) {
    return deny(
      'port_conflict',
      `port ${settings.port} of the injected MCP endpoint (${ANNOTATIONS.port}, default ${PORTS.mcp}) is already ` +
        `declared by container "${mcp.container}". ${suggestion()}`,
    );
  }
  const admin = declared.find((d) => d.port === PORTS.admin);
  if (admin) {
    return deny(
      'port_conflict',
      `the bridge's admin port ${PORTS.admin} is already declared by container "${admin.container}"; the admin port ` +
        `is fixed (${ANNOTATIONS.port} only moves the MCP endpoint). Fix: move container "${admin.container}" off port ` +
        `${PORTS.admin}, or remove ${ANNOTATIONS.inject}`,
    );
  }
  return undefined;
}

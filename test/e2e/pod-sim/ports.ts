// The pod's network namespace is shared by its containers; the simulation runs them all on the host, so each
// port the pod declares (containerPort of any container, and any numeric probe port) is mapped to a free host port,
// and every place the spec names that port is rewritten consistently:
//   * args: the value of an option whose name ends in "port" (`--port 8080`, `--admin-port=8081`);
//   * env: values of variables whose name ends in "PORT";
//   * args and env: loopback URLs `127.0.0.1:P`, `localhost:P`, `[::1]:P`;
//   * probes: httpGet/tcpSocket ports, numeric or named (named ports resolve in the probed container).
// Bind addresses are not changed: a container that binds 0.0.0.0 binds 0.0.0.0 on the host.

import { createServer, type Server } from 'node:net';

import type { Container, PodSpec, Probe } from './types.ts';

/** Declared container port → host port. */
export type PortMap = ReadonlyMap<number, number>;

const containersOf = (spec: PodSpec): Container[] => [...(spec.initContainers ?? []), ...spec.containers];
const probesOf = (c: Container): Probe[] => [c.startupProbe, c.readinessProbe, c.livenessProbe].flatMap((p) => p ?? []);

function declaredPorts(spec: PodSpec): Set<number> {
  const ports = new Set<number>();
  for (const container of containersOf(spec)) {
    for (const port of container.ports ?? []) ports.add(port.containerPort);
    for (const probe of probesOf(container)) {
      const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
      if (typeof port === 'number') ports.add(port);
    }
  }
  return ports;
}

/** Free host ports for every declared port, all held open together while choosing so none is handed out twice. */
export async function allocatePorts(spec: PodSpec): Promise<PortMap> {
  const declared = [...declaredPorts(spec)];
  const servers = await Promise.all(declared.map(() => listenAnywhere()));
  const map = new Map(declared.map((port, i) => [port, (servers[i]!.address() as { port: number }).port]));
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return map;
}

function listenAnywhere(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => resolve(server));
  });
}

const LOOPBACK_URL = /\b(127\.0\.0\.1|localhost|\[::1\]):(\d+)\b/g;

function rewriteLoopback(value: string, ports: PortMap): string {
  return value.replace(LOOPBACK_URL, (whole, host: string, port: string) => {
    const mapped = ports.get(Number(port));
    return mapped === undefined ? whole : `${host}:${mapped}`;
  });
}

const mapValue = (value: string, ports: PortMap): string => String(ports.get(Number(value)) ?? value);

export function rewritePortArgs(args: readonly string[], ports: PortMap): string[] {
  return args.map((arg, i) => {
    const inline = /^(--?[\w-]*port)=(\d+)$/i.exec(arg);
    if (inline) return `${inline[1]}=${mapValue(inline[2]!, ports)}`;
    const previous = args[i - 1] ?? '';
    if (/^--?[\w-]*port$/i.test(previous) && /^\d+$/.test(arg)) return mapValue(arg, ports);
    return rewriteLoopback(arg, ports);
  });
}

export function rewritePortEnv(name: string, value: string, ports: PortMap): string {
  if (/PORT$/i.test(name) && /^\d+$/.test(value)) return mapValue(value, ports);
  return rewriteLoopback(value, ports);
}

/** The host port a probe of `container` reaches. */
export function probeHostPort(port: number | string, container: Container, ports: PortMap): number {
  const numeric =
    typeof port === 'number' ? port : container.ports?.find((candidate) => candidate.name === port)?.containerPort;
  if (numeric === undefined) throw new Error(`container ${container.name}: probe names unknown port ${port}`);
  const mapped = ports.get(numeric);
  if (mapped === undefined) throw new Error(`container ${container.name}: probe port ${numeric} was not mapped`);
  return mapped;
}

// The server container's command rewrite: the original command runs through mcp-shim, which serves its stdio on the
// shared socket. `args` is left alone, because Kubernetes appends args to command, so command + args stay exactly
// what the user wrote. Unwrapping recovers the original on re-invocation, which is what makes the rewrite a fixed point.

import { INJECTION, SHIM_FLAGS } from '@mcp-sidecar/contract';

export function wrapCommand(original: readonly string[], socketOwner: number | undefined, pty = false): string[] {
  const owner = socketOwner === undefined ? [] : [SHIM_FLAGS.socketOwner, String(socketOwner)];
  const terminal = pty ? [SHIM_FLAGS.pty] : [];
  return [
    INJECTION.shimPath,
    SHIM_FLAGS.listen,
    INJECTION.socketPath,
    ...owner,
    ...terminal,
    SHIM_FLAGS.endOfOptions,
    ...original,
  ];
}

/** The original command when `command` is one this injector wrapped, else undefined. */
export function unwrapCommand(command: readonly string[] | undefined): string[] | undefined {
  if (command?.[0] !== INJECTION.shimPath || command[1] !== SHIM_FLAGS.listen) return undefined;
  const end = command.indexOf(SHIM_FLAGS.endOfOptions, 2);
  return end === -1 ? undefined : command.slice(end + 1);
}

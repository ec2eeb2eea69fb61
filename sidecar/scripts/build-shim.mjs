// Builds sidecar/shim/build/mcp-shim with make when a C compiler is available (run by `npm run build`).
// Without a compiler the bridge still builds and runs (the shim is only needed in pods and images),
// so that case prints one line saying why and exits 0. A compiler that fails to build the shim is a
// real error and fails the build.
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const shimDir = fileURLToPath(new URL('../shim/', import.meta.url));

function onPath(name) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir || '.', name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const compiler = ['musl-gcc', 'cc', 'gcc'].find(onPath);
if (compiler === undefined) {
  console.log('mcp-shim not built: no C compiler (cc, gcc or musl-gcc) on PATH; install one to build sidecar/shim.');
} else if (!onPath('make')) {
  console.log(`mcp-shim not built: ${compiler} found but make is not on PATH; install make to build sidecar/shim.`);
} else {
  const result = spawnSync('make', ['-C', shimDir], { stdio: 'inherit' });
  if (result.error) throw result.error;
  process.exitCode = result.status ?? 1;
}

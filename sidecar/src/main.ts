// mcp-sidecar's entry point: parse the command line, start the bridge, and shut down cleanly on SIGTERM or
// SIGINT (stop accepting, let in-flight requests finish within --shutdown-grace, close every upstream, exit 0).

import { describeUpstream, parseBridgeCli, renderHelp, upstreamSpec } from '@mcp-sidecar/contract';

import { startBridge } from './bridge.ts';
import { createLogger } from './log.ts';
import { errorText, SetupError } from './errors.ts';
import { upstreamProblem } from './upstream/kinds/index.ts';
import { BRIDGE_VERSION } from './version.ts';

const cli = parseBridgeCli(process.argv.slice(2), process.env);
if (cli.kind === 'help') {
  process.stdout.write(renderHelp());
  process.exit(0);
}
if (cli.kind === 'version') {
  process.stdout.write(`mcp-sidecar ${BRIDGE_VERSION}\n`);
  process.exit(0);
}
if (cli.kind === 'error') {
  process.stderr.write(`mcp-sidecar: ${cli.message}\n`);
  process.exit(2);
}

const { config, command } = cli;
const problem = upstreamProblem(upstreamSpec(config, command));
if (problem) {
  process.stderr.write(`mcp-sidecar: ${problem}\n`);
  process.exit(2);
}
const log = createLogger(config.logLevel);

try {
  const bridge = await startBridge(config, command, log);
  const upstream = describeUpstream(upstreamSpec(config, command));
  log.info(
    { url: bridge.url, admin: bridge.adminUrl, mode: config.sessionMode, upstream },
    `MCP endpoint at ${bridge.url} (Streamable HTTP; legacy HTTP+SSE at /sse). Connect a client, e.g. ` +
      `npx @modelcontextprotocol/inspector, transport "Streamable HTTP", URL ${bridge.url}. Ready when ${bridge.adminUrl}/readyz says 200.`,
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    bridge.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (error) {
  if (error instanceof SetupError) {
    // A file the options name cannot be used: like a bad option, one line and exit 2.
    process.stderr.write(`mcp-sidecar: ${error.message}\n`);
    process.exit(2);
  }
  log.fatal({ err: error }, `could not start: ${errorText(error)}`);
  process.exit(1);
}

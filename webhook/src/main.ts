// Entry point of `mcp-injector`: the only place that reads process.argv/env and calls process.exit.

import { parseCli } from './cli/parse.ts';
import { renderHelp } from './cli/flags.ts';
import { runInject } from './inject-command.ts';
import { startInjector } from './serve.ts';
import { INJECTOR_VERSION } from './version.ts';

/** Long enough for the endpoint controller to take a terminating replica out of the webhook Service. */
const SHUTDOWN_DRAIN_MS = 3_000;

const fail = (message: string, code: number): never => {
  process.stderr.write(`mcp-injector: ${message}\n`);
  process.exit(code);
};

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2), process.env);
  switch (cli.kind) {
    case 'help':
      process.stdout.write(renderHelp());
      return;
    case 'version':
      process.stdout.write(`${INJECTOR_VERSION}\n`);
      return;
    case 'error':
      return fail(`${cli.message} (see mcp-injector --help)`, 2);
    case 'inject':
      process.exitCode = await runInject(cli.options, process);
      return;
    case 'serve': {
      const injector = await startInjector(cli.options);
      const stop = (signal: string) => {
        injector.logger.info({ signal }, 'shutting down');
        const exit = (code: number) => injector.logger.flush(() => process.exit(code));
        injector.close(SHUTDOWN_DRAIN_MS).then(
          () => exit(0),
          () => exit(1),
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    }
  }
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error), 1));

// What a connection's server says besides its messages: lines on stdout that are not JSON-RPC, messages over
// --max-message-size or nested deeper than --max-json-depth, and stderr. Each is counted; junk and stderr are logged
// within --upstream-log-rate (a server flooding either costs a summary line a second, not the log pipeline); a
// message that cannot be forwarded fails the request it answers when its id can be read, so nothing waits forever.
// One per connection; it also remembers whether the server has said anything at all (see Upstream's silence watch).

import type { JsonRpcErrorObject } from '@mcp-sidecar/protocol';

import { fail } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { LineLimiter } from './log-limiter.ts';

export interface ServerOutputDeps {
  readonly log: Logger;
  readonly metrics: Metrics;
  /** --upstream-log-rate: stderr and junk stdout lines logged per second. */
  readonly logRate: number;
  /** --max-json-depth, named in the error for an answer nested deeper. */
  readonly maxJsonDepth: number;
  /** The connection's name in logs (read when logging: it may be known only after connecting). */
  readonly describe: () => string | undefined;
  /** Answers request `id` with `error`, as if the server had. */
  readonly failAnswer: (id: number, error: JsonRpcErrorObject) => void;
}

/** How much of an unforwardable message is searched for the id of the request it answers. */
const HEAD_CHARS = 512;

export class ServerOutput {
  /** The server has sent something (a message, junk, an over-long line) on this connection. */
  heard = false;
  readonly #deps: ServerOutputDeps;
  readonly #junk: LineLimiter;
  readonly #stderr: LineLimiter;
  readonly #skipped;

  constructor(deps: ServerOutputDeps) {
    this.#deps = deps;
    this.#junk = this.#limiter('stdout');
    this.#stderr = this.#limiter('stderr');
    this.#skipped = deps.metrics.invalidLines.labels({ reason: 'not_json_rpc' });
  }

  invalidLine(line: string, reason: string, limit?: 'depth'): void {
    this.heard = true;
    if (limit === 'depth') return this.#tooDeep(line);
    this.#skipped.inc();
    if (!this.#junk.admit()) return;
    const fields = { upstream: this.#deps.describe(), reason, line: line.slice(0, 200) };
    this.#deps.log.warn(fields, 'skipped a stdout line that is not JSON-RPC');
  }

  /** An over-long message: if its id can be read, its request gets an error instead of waiting forever. */
  oversize(bytes: number, head: string): void {
    this.heard = true;
    this.#deps.metrics.invalidLines.inc({ reason: 'too_long' });
    this.#deps.log.error({ upstream: this.#deps.describe(), bytes }, 'skipped a message over --max-message-size');
    this.#failAnswerIn(head, fail.answerTooLarge(bytes).toJson());
  }

  stderrLine(line: string): void {
    if (this.#stderr.admit()) this.#deps.log.info({ upstream: this.#deps.describe(), stream: 'stderr' }, line);
  }

  /** The connection ended: the summaries of lines not logged yet are written now. */
  flush(): void {
    this.#junk.flush();
    this.#stderr.flush();
  }

  /** A message nested deeper than --max-json-depth: never forwarded; the request it answers gets an error. */
  #tooDeep(line: string): void {
    this.#deps.metrics.invalidLines.inc({ reason: 'too_deep' });
    this.#deps.log.error({ upstream: this.#deps.describe() }, 'skipped a message nested deeper than --max-json-depth');
    this.#failAnswerIn(line.slice(0, HEAD_CHARS), fail.answerTooDeep(this.#deps.maxJsonDepth).toJson());
  }

  /** Fails the request whose answer begins with `head`, when its id can be read there (ids usually come first). */
  #failAnswerIn(head: string, error: JsonRpcErrorObject): void {
    const id = /"id"\s*:\s*(\d+)/.exec(head)?.[1];
    if (id !== undefined) this.#deps.failAnswer(Number(id), error);
  }

  #limiter(stream: 'stdout' | 'stderr'): LineLimiter {
    const suppressed = this.#deps.metrics.logLinesSuppressed.labels({ stream });
    return new LineLimiter({
      rate: this.#deps.logRate,
      summarise: (count, periodMs) => {
        suppressed.inc(count);
        const seconds = Math.max(1, Math.round(periodMs / 1000));
        const fields = { upstream: this.#deps.describe(), stream, suppressed: count };
        this.#deps.log.warn(
          fields,
          `${count} ${stream} lines of the server not logged in ${seconds} s (over --upstream-log-rate)`,
        );
      },
    });
  }
}

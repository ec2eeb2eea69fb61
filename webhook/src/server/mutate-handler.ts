// POST /mutate: HTTP concerns only (path, method, content type, body limit), then review → admit → review.
// Every request ends in a response; nothing thrown here reaches the API server as a dropped connection.

import type { IncomingMessage, ServerResponse } from 'node:http';

import { readBody } from '@mcp-sidecar/edge';

import { type AdmissionRequest, admit, type AdmitResult, type Pipeline } from '../core/admit.ts';
import type { InjectorConfig } from '../core/config.ts';
import { decodeReview, encodeReview } from '../core/review.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

/** Well above any pod the API server accepts (its own request limit is 3 MiB), far below a memory problem. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export const MUTATE_PATH = '/mutate';

export interface MutateHandlerOptions {
  readonly config: InjectorConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Test seam: replaces the admission steps (e.g. to inject an internal error). */
  readonly pipeline?: Pipeline;
  readonly maxBodyBytes?: number;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export function createMutateHandler(options: MutateHandlerOptions): Handler {
  const { logger, metrics } = options;
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const refuse = (response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) => {
    metrics.badRequests.labels(String(status)).inc();
    logger.warn({ status, reason: message }, 'request refused');
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    response.end(`${message}\n`);
  };
  return (request, response) => {
    const started = process.hrtime.bigint();
    const path = (request.url ?? '/').split('?', 1)[0]; // the API server appends ?timeout=10s
    if (path !== MUTATE_PATH) return refuse(response, 404, `not found: the admission endpoint is POST ${MUTATE_PATH}`);
    if (request.method !== 'POST')
      return refuse(response, 405, `method ${request.method} not allowed; use POST`, { allow: 'POST' });
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      return refuse(
        response,
        415,
        `unsupported Content-Type "${request.headers['content-type'] ?? ''}"; want application/json`,
      );
    }
    readBody(request, limit).then(
      (body) => {
        if (body === undefined)
          return refuse(response, 413, `request body over ${limit} bytes`, { connection: 'close' });
        try {
          review(options, body.toString('utf8'), response, started, refuse);
        } catch (error) {
          // admit() contains its own errors; this guards the encoding and logging around it.
          logger.error({ err: error }, 'unexpected error answering an admission review');
          if (!response.headersSent) refuse(response, 500, 'internal error answering the admission review');
        }
      },
      () => request.destroy(),
    );
  };
}

type Refuse = (response: ServerResponse, status: number, message: string) => void;

function review(
  options: MutateHandlerOptions,
  body: string,
  response: ServerResponse,
  started: bigint,
  refuse: Refuse,
) {
  const decoded = decodeReview(body);
  if (!decoded.ok) return refuse(response, 400, decoded.message);
  const result = admit(decoded.request, options.config, options.pipeline);
  const json = JSON.stringify(encodeReview(decoded.request.uid, result));
  // A known length spares the chunked framing: headers and body leave in one write.
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  response.end(json);
  record(options, result, decoded.request, started);
}

type Reviewed = Pick<AdmissionRequest, 'uid' | 'operation' | 'dryRun'>;

/** One log line and the metrics for one review. */
function record(options: MutateHandlerOptions, result: AdmitResult, request: Reviewed, started: bigint): void {
  const { logger, metrics, config } = options;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  metrics.reviews.labels(result.outcome, result.reason).inc();
  metrics.duration.labels(result.outcome).observe(seconds);
  const fields = {
    uid: request.uid,
    namespace: result.namespace,
    workload: result.workload,
    operation: request.operation,
    dryRun: request.dryRun,
    decision: result.outcome,
    reason: result.reason,
    allowed: result.allowed,
    patchOps: result.patch.length,
    warnings: result.warnings.length > 0 ? result.warnings : undefined,
    durationMs: Math.round(seconds * 1e6) / 1e3,
  };
  if (result.outcome === 'error') {
    metrics.internalErrors.labels(config.failureMode).inc();
    logger.error(
      { ...fields, err: result.error, failureMode: config.failureMode },
      'admission review failed internally',
    );
    return;
  }
  if (result.outcome === 'denied') logger.info({ ...fields, message: result.message }, 'admission review');
  else logger.info(fields, 'admission review');
  if (logger.isLevelEnabled('debug') && result.patch.length > 0)
    logger.debug({ uid: request.uid, patch: result.patch }, 'patch');
}

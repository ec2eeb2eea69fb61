// The error table: every code has its family's fields, every refusal and failure built by refuse.* / fail.* names a
// code of the table, and sidecar/README.md carries the generated table (UPDATE_README=1 rewrites it).

import { readFileSync, writeFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import type { HttpRefusal, RpcFailure } from '../src/errors.ts';
import { ERRORS, type ErrorCode, fail, refuse, renderErrorsMarkdown } from '../src/errors.ts';

const README = new URL('../README.md', import.meta.url);
const BEGIN = '<!-- generated: errors (UPDATE_README=1 npx vitest run sidecar/test/errors.test.ts) -->';
const END = '<!-- end generated: errors -->';

describe('the error table', () => {
  it('gives every HTTP refusal a status and every code a JSON-RPC code', () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(Number.isInteger(spec.rpcCode), code).toBe(true);
      if (spec.family === 'http') expect((spec as { status?: number }).status, code).toBeGreaterThanOrEqual(400);
    }
  });

  it('is what refuse.* and fail.* build from, one family each', () => {
    const refusals = Object.values(refuse).map((build) => (build as (...args: unknown[]) => HttpRefusal)('x', 'y'));
    const failures = Object.values(fail).map((build) =>
      (build as (...args: unknown[]) => RpcFailure)('x', 'y', false, 1),
    );
    for (const refusal of refusals) expect(ERRORS[refusal.code].family, refusal.code).toBe('http');
    for (const failure of failures) expect(ERRORS[failure.code].family, failure.code).toBe('rpc');
    const used = new Set<ErrorCode>([...refusals, ...failures].map((error) => error.code));
    used.add('invalid_request'); // refuse.notJsonRpc builds parse_error or invalid_request
    expect([...used].sort()).toEqual(Object.keys(ERRORS).sort());
  });

  it('keeps the wire format: the JSON-RPC code of the table, the message as worded', () => {
    expect(refuse.sessionNotFound('abc')).toMatchObject({ status: 404, rpcCode: -32001 });
    expect(fail.answerTooLarge(10).toJson()).toEqual({
      code: -32603,
      message: expect.stringContaining("over mcp-sidecar's --max-message-size") as string,
    });
  });
});

describe('sidecar/README.md', () => {
  if (process.env.UPDATE_README === '1') {
    const text = readFileSync(README, 'utf8');
    const start = text.indexOf(BEGIN);
    const stop = text.indexOf(END);
    if (start === -1 || stop === -1) throw new Error('sidecar/README.md lacks the errors table markers');
    writeFileSync(README, `${text.slice(0, start + BEGIN.length)}\n${renderErrorsMarkdown()}\n${text.slice(stop)}`);
  }

  it('contains the generated errors table verbatim', () => {
    expect(readFileSync(README, 'utf8')).toContain(`${BEGIN}\n${renderErrorsMarkdown()}\n${END}`);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { nestsDeeperThan, parseMessage, startsAsObject } from '../src/index.ts';

/** Nesting depth of a parsed value, the obvious recursive way (the reference the scan must agree with). */
const depthOf = (value: unknown): number =>
  typeof value === 'object' && value !== null
    ? 1 + Math.max(0, ...Object.values(value as Record<string, unknown>).map(depthOf))
    : 0;

describe('nestsDeeperThan', () => {
  it('agrees with the depth of the parsed value for any JSON, strings full of brackets and escapes included', () => {
    const tricky = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', ' ') });
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        tricky,
        fc.integer(),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(tricky, tie('value'), { maxKeys: 3 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 8 }), (value, limit) => {
        const text = JSON.stringify(value);
        expect(nestsDeeperThan(text, limit)).toBe(depthOf(value) > limit);
      }),
      { numRuns: 500 },
    );
  });

  it('stops at the first level over the limit, so a body of a million brackets costs next to nothing', () => {
    const hostile = '['.repeat(1_000_000);
    const started = performance.now();
    expect(nestsDeeperThan(hostile, 128)).toBe(true);
    expect(performance.now() - started).toBeLessThan(20);
  });
});

describe('parseMessage with a depth limit', () => {
  const nested = (levels: number) =>
    `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"a":${'['.repeat(levels)}${']'.repeat(levels)}}}`;

  it('refuses a message nested deeper than the limit, unparsed, and says which limit', () => {
    expect(parseMessage(nested(5_000))).toEqual({
      kind: 'invalid',
      reason: 'nested deeper than 128 levels',
      limit: 'depth',
    });
    expect(parseMessage(nested(8), 9)).toMatchObject({ kind: 'invalid', limit: 'depth' });
  });

  it('accepts a message exactly at the limit (the envelope and params count as two levels)', () => {
    expect(parseMessage(nested(126)).kind).toBe('request');
    expect(parseMessage(nested(7), 9).kind).toBe('request');
  });
});

describe('startsAsObject', () => {
  it('is true only when the first non-whitespace character opens an object', () => {
    expect(startsAsObject('{"a":1}')).toBe(true);
    expect(startsAsObject(' \t\r\n{')).toBe(true);
    expect(startsAsObject('Welcome to my server')).toBe(false);
    expect(startsAsObject('[{"jsonrpc":"2.0"}]')).toBe(false);
    expect(startsAsObject('')).toBe(false);
  });
});

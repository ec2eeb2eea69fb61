// Era classification, decided once per request at the HTTP edge.

import { expect, it } from 'vitest';

import { classifyEra } from '../../src/era/classify.ts';

it('puts initialize and anything naming a session in the session era, and the rest in the sessionless one', () => {
  expect(classifyEra({ method: 'initialize', sessionId: undefined })).toBe('legacy-session');
  expect(classifyEra({ method: 'tools/call', sessionId: 's' })).toBe('legacy-session');
  expect(classifyEra({ method: undefined, sessionId: 's' })).toBe('legacy-session');
  expect(classifyEra({ method: 'tools/call', sessionId: undefined })).toBe('legacy-sessionless');
});

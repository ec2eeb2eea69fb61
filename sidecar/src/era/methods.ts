// The methods a 2026-07-28 client may call (schema.ts `ClientRequest`), each gated on the server capability it needs
// (schema.ts `MethodNotFoundError`: a method "gated behind a server capability the server did not advertise" is not
// found either), and the words for the ones that were removed. Pure.

import { isObject } from './envelope.ts';

type Capabilities = Readonly<Record<string, unknown>>;

/** Method → the server capability that must be advertised for it ('' when none is needed). */
const MODERN_METHODS: Readonly<Record<string, string>> = {
  'server/discover': '',
  'subscriptions/listen': '',
  'tools/list': 'tools',
  'tools/call': 'tools',
  'prompts/list': 'prompts',
  'prompts/get': 'prompts',
  'resources/list': 'resources',
  'resources/templates/list': 'resources',
  'resources/read': 'resources',
  'completion/complete': 'completions',
};

/** changelog.mdx, major changes 2, 4, 5 and 6: what 2026-07-28 took out. */
const REMOVED: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
  'tasks/list',
  'tasks/result',
]);

/** The methods whose result may be `input_required` (mrtr.mdx: "Servers MUST NOT send … on any other"). */
export const INPUT_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** The list-change and update notifications the server can send at all (what subscriptions/listen can honour). */
export function canNotify(capabilities: Capabilities): boolean {
  const { tools, prompts, resources } = capabilities;
  return (
    (isObject(tools) && tools.listChanged === true) ||
    (isObject(prompts) && prompts.listChanged === true) ||
    (isObject(resources) && (resources.listChanged === true || resources.subscribe === true))
  );
}

/** Why `method` is not served to a modern client of a server with `capabilities`; undefined when it is. */
export function methodRefusalReason(method: string, capabilities: Capabilities): string | undefined {
  const needs = MODERN_METHODS[method];
  if (needs === undefined) {
    return REMOVED.has(method)
      ? 'was removed in protocol 2026-07-28; each request carries its own _meta instead'
      : 'is not a method of protocol 2026-07-28';
  }
  if (needs !== '' && capabilities[needs] === undefined) {
    return `is not offered: the MCP server does not advertise the "${needs}" capability`;
  }
  if (method === 'subscriptions/listen' && !canNotify(capabilities)) {
    return 'is not offered: the MCP server announces no list changes or resource updates';
  }
  return undefined;
}

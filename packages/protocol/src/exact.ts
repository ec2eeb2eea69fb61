// Ids and progress tokens given back byte for byte.
//
// JSON.parse turns `1.0`, `1e3` and `"\u0041"` into 1, 1000 and "A", and an integer beyond 2^53 into a neighbour;
// JSON.stringify would send those back to the client. So for a request whose id or progress token is not written
// the canonical way, parseMessage keeps the source text (a second parse with a reviver, which reads it; rare, off the
// hot path), and exactId/exactProgressToken return a value JSON.stringify writes verbatim (JSON.rawJSON).
//
// The canonical check looks for `"id":<canonical>` (or `"id": <canonical>`) in the text: cheap, and exact unless a
// nested "id" with that canonical text sits next to a non-canonical top-level id, which no client does.

import type { JsonRpcId, JsonRpcRequest } from './jsonrpc.ts';

interface SourceText {
  id?: string;
  progressToken?: string;
}

const SOURCE_TEXT = Symbol('mcp-sidecar.sourceText');
type WithSource = JsonRpcRequest & { [SOURCE_TEXT]?: SourceText };

/** Node 24's JSON.rawJSON and the reviver's source text (TC39 JSON.parse source text access), not yet in TS's lib. */
const json = JSON as unknown as {
  rawJSON(text: string): unknown;
  parse(
    text: string,
    reviver: (this: object, key: string, value: unknown, context: { source?: string }) => unknown,
  ): unknown;
};

/** True when `"key":<canonical>` (or with a space after the colon) appears as a whole value in `text`. */
function written(text: string, key: string, value: unknown): boolean {
  const canonical = JSON.stringify(value);
  for (const prefix of [`"${key}":`, `"${key}": `]) {
    const needle = prefix + canonical;
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
      if (/[\s,}\]]/.test(text[at + needle.length] ?? '')) return true; // not the start of 1.0, 1e3, 12…
    }
  }
  return false;
}

/** Records the source text of `request`'s id and progress token when they are not written canonically in `text`. */
export function keepSourceText(text: string, request: JsonRpcRequest, token: JsonRpcId | undefined): void {
  if (written(text, 'id', request.id) && (token === undefined || written(text, 'progressToken', token))) return;
  const seen = new Map<object, SourceText>();
  const root = json.parse(text, function (key, value, context) {
    if ((key === 'id' || key === 'progressToken') && context.source !== undefined) {
      seen.set(this, { ...seen.get(this), [key]: context.source });
    }
    return value;
  }) as { params?: { _meta?: object } };
  const sources: SourceText = { id: seen.get(root)?.id };
  if (token !== undefined && root.params?._meta) sources.progressToken = seen.get(root.params._meta)?.progressToken;
  (request as WithSource)[SOURCE_TEXT] = sources;
}

const exact = (value: JsonRpcId, source: string | undefined): JsonRpcId =>
  source === undefined ? value : (json.rawJSON(source) as JsonRpcId); // serializes as `source`; never compared

/** The request's id as the client wrote it, for the response that goes back to the client. */
export const exactId = (request: JsonRpcRequest): JsonRpcId =>
  exact(request.id, (request as WithSource)[SOURCE_TEXT]?.id);

/** The request's progress token as the client wrote it, for the progress notifications that go back. */
export const exactProgressToken = (request: JsonRpcRequest, token: JsonRpcId): JsonRpcId =>
  exact(token, (request as WithSource)[SOURCE_TEXT]?.progressToken);

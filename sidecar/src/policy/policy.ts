// The access policy, compiled: which callers (rules' `match`) may use which tools, prompts and resources (name
// globs). Deny wins over allow among the rules that match a caller; what no matching rule decides falls to the
// default. Pure: identity × (kind, name) → allowed, or a Denial that says which rule or default decided.

import type { Denial, Identity } from '../context.ts';
import { anyGlob, compileGlob, type Glob } from './glob.ts';
import type { MatchDocument, PolicyDocument, RuleDocument } from './document.ts';

export type Kind = Denial['kind'];

const KIND_FIELD = { tool: 'tools', prompt: 'prompts', resource: 'resources' } as const;
const KINDS = Object.keys(KIND_FIELD) as Kind[];

export interface Rule {
  readonly label: string;
  readonly matches: (identity: Identity) => boolean;
  readonly allows: Readonly<Record<Kind, Glob | undefined>>;
  readonly denies: Readonly<Record<Kind, Glob | undefined>>;
}

export interface CompiledPolicy {
  readonly defaultAllows: boolean;
  readonly rules: readonly Rule[];
}

type Test = (identity: Identity) => boolean;

function claimTest(name: string, expected: string | number | boolean): Test {
  const glob = compileGlob(String(expected));
  return ({ claims }) => {
    const value = claims?.[name];
    const values: unknown[] = Array.isArray(value) ? value : value === undefined ? [] : [value];
    return values.some((item) => glob(String(item)));
  };
}

/** Every field given in `match` must hold; an empty match is everyone (anonymous callers included). */
function compileMatch(match: MatchDocument): Test {
  const tests: Test[] = [];
  const field = (pattern: string | undefined, read: (identity: Identity) => readonly string[] | string | undefined) => {
    if (pattern === undefined) return;
    const glob = compileGlob(pattern);
    tests.push((identity) => {
      const value = read(identity);
      return typeof value === 'string' ? glob(value) : (value ?? []).some(glob);
    });
  };
  if (match.anonymous !== undefined) tests.push((identity) => (identity.source === 'anonymous') === match.anonymous);
  if (match.source !== undefined) tests.push((identity) => identity.source === match.source);
  field(match.spiffe, (identity) => identity.spiffe);
  field(match.subject, (identity) => identity.subject);
  field(match.dns, (identity) => identity.dns);
  field(match.sub, (identity) => identity.sub);
  for (const scope of match.scopes ?? []) tests.push((identity) => identity.scopes?.includes(scope) === true);
  for (const [name, expected] of Object.entries(match.claims ?? {})) tests.push(claimTest(name, expected));
  return (identity) => tests.every((test) => test(identity));
}

function compileNames(names: RuleDocument['allow']): Record<Kind, Glob | undefined> {
  const compiled = (globs: readonly string[] | undefined) => (globs ? anyGlob(globs.map(compileGlob)) : undefined);
  return {
    tool: compiled(names?.tools),
    prompt: compiled(names?.prompts),
    resource: compiled(names?.resources),
  };
}

export function compilePolicy(document: PolicyDocument): CompiledPolicy {
  return {
    defaultAllows: document.default === 'allow',
    rules: document.rules.map((rule, index) => ({
      label: rule.name === undefined ? `rule ${index + 1}` : `rule ${index + 1} "${rule.name}"`,
      matches: compileMatch(rule.match),
      allows: compileNames(rule.allow),
      denies: compileNames(rule.deny),
    })),
  };
}

/** The rules that apply to a caller, in order. */
export const rulesFor = (policy: CompiledPolicy, identity: Identity): Rule[] =>
  policy.rules.filter((rule) => rule.matches(identity));

/** Allowed (undefined), or why not: a matching rule's deny wins, then a matching rule's allow, then the default. */
export function decide(policy: CompiledPolicy, rules: readonly Rule[], kind: Kind, name: string): Denial | undefined {
  const denying = rules.find((rule) => rule.denies[kind]?.(name));
  if (denying) return { kind, name, reason: `${denying.label} of the access policy denies it` };
  if (rules.some((rule) => rule.allows[kind]?.(name))) return undefined;
  if (policy.defaultAllows) return undefined;
  return { kind, name, reason: `no rule of the access policy allows it for this caller (default: deny)` };
}

export { KINDS };

// The access policy file's shape (JSON or YAML), checked with a schema that names the first problem and where.
//
//   default: deny                      # what nobody's rule decides: deny (default) or allow
//   rules:
//     - name: agents may search        # optional; shown in denials and logs
//       match: { spiffe: "spiffe://cluster.local/ns/agents/*" }   # every given field must match; {} = everyone
//       allow: { tools: ["search*"], prompts: ["*"], resources: ["docs://*"] }
//       deny:  { tools: ["delete_*"] }

import { z } from 'zod';

const globs = z.array(z.string().min(1)).optional();
const names = z.strictObject({ tools: globs, prompts: globs, resources: globs });

const match = z.strictObject({
  anonymous: z.boolean().optional(),
  source: z.enum(['certificate', 'xfcc', 'l5d', 'token', 'jwt', 'anonymous']).optional(),
  spiffe: z.string().min(1).optional(),
  subject: z.string().min(1).optional(),
  dns: z.string().min(1).optional(),
  sub: z.string().min(1).optional(),
  scopes: z.array(z.string().min(1)).optional(),
  claims: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

const rule = z.strictObject({
  name: z.string().optional(),
  match,
  allow: names.optional(),
  deny: names.optional(),
});

export const policySchema = z.strictObject({
  default: z.enum(['allow', 'deny']).default('deny'),
  rules: z.array(rule),
});

export type PolicyDocument = z.infer<typeof policySchema>;
export type RuleDocument = z.infer<typeof rule>;
export type MatchDocument = z.infer<typeof match>;

/** Validates a parsed policy file; throws an Error naming the first problem and its path. */
export function readPolicyDocument(value: unknown): PolicyDocument {
  const result = policySchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new Error(`${issue?.message ?? 'invalid policy'}${where}`);
}

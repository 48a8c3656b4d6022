import { z } from 'zod';
import { MAX_PATTERN_LENGTH, patternProblem } from './pattern-safety';

/**
 * The shape of config/chat-rules.json: intent rules read in customers' messages, sensitive-word
 * rules read in reps'. Its `notes` describe the semantics for operators; match-rules.ts and the
 * subscribers in ./subscribers implement them.
 */

const ruleId = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'id is 1-32 lowercase letters, digits and _, starting with a letter (e.g. price, offline_payment)');
const label = z.string().trim().min(1, 'label is shown to reps and managers and is required').max(20);
const keyword = z.string().trim().min(1, 'a keyword may not be empty').max(50);
const pattern = z
  .string()
  .min(1, 'a pattern may not be empty')
  .max(MAX_PATTERN_LENGTH, `a pattern is at most ${MAX_PATTERN_LENGTH} characters`)
  .superRefine((source, ctx) => {
    const problem = patternProblem(source);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
/** As lead_tag.name holds it. */
const tagName = z.string().trim().min(1).max(64);

const ruleFields = {
  id: ruleId,
  label,
  keywords: z.array(keyword).max(200).default([]),
  patterns: z.array(pattern).max(50).default([]),
};

const hasSomethingToMatch = (rule: { keywords: string[]; patterns: string[] }, ctx: z.RefinementCtx) => {
  if (!rule.keywords.length && !rule.patterns.length) ctx.addIssue({ code: 'custom', path: ['keywords'], message: 'give at least one keyword or pattern' });
};

export const intentRuleSchema = z
  .object({ ...ruleFields, tags: z.array(tagName).max(10).default([]) })
  .strict()
  .superRefine(hasSomethingToMatch);

export const sensitiveRuleSchema = z.object(ruleFields).strict().superRefine(hasSomethingToMatch);

const uniqueIds = (rules: Array<{ id: string }>, ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  rules.forEach((rule, index) => {
    if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `id ${rule.id} is used twice` });
    seen.add(rule.id);
  });
};

export const chatRulesSchema = z
  .object({
    notes: z.array(z.string().max(2000)).max(50).optional(),
    intent: z.array(intentRuleSchema).max(100).default([]).superRefine(uniqueIds),
    sensitive: z.array(sensitiveRuleSchema).max(100).default([]).superRefine(uniqueIds),
  })
  .strict();

export type ChatRules = z.output<typeof chatRulesSchema>;
export type IntentRule = z.output<typeof intentRuleSchema>;
export type SensitiveRule = z.output<typeof sensitiveRuleSchema>;
/** What the matcher reads of either kind of rule. */
export type ChatRule = Pick<IntentRule, 'id' | 'label' | 'keywords' | 'patterns'>;

import { z } from 'zod';

/**
 * The shape of a scoring rule set: config/scoring.json (the default) and the admin override
 * (setting `scoring.rules`). Its `notes` describe the semantics for operators; computeScore
 * implements them.
 */

const ruleId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$/, 'id is 1-80 letters, digits, _ . : - (e.g. attr.industry.education)');
const points = z.number().int('points must be an integer').min(-100).max(100);
const reason = z.string().trim().min(1, 'reason is shown to reps and is required').max(100);

/**
 * An attribute name: whatever a lead import can create (a spreadsheet header, trimmed, at most
 * 64 characters, often Chinese such as 意向等级) must be editable and scorable afterwards. So
 * any letters, digits, punctuation and inner spaces; never control, line-break or invisible
 * format characters (they make two names that look the same), nor leading or trailing space.
 * `__proto__` would not survive as a key of a plain object.
 */
export const ATTRIBUTE_FIELD = /^(?!__proto__$)(?!\s)[^\p{C}\p{Zl}\p{Zp}]{1,64}(?<!\s)$/u;
export const ATTRIBUTE_FIELD_RULE = 'attribute names are 1-64 characters without control characters or surrounding spaces';

export const attributeRuleSchema = z
  .object({
    id: ruleId,
    field: z.string().regex(ATTRIBUTE_FIELD, `field: ${ATTRIBUTE_FIELD_RULE}`),
    values: z.array(z.union([z.string().trim().min(1).max(100), z.number(), z.boolean()])).min(1).max(200).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    points,
    reason,
  })
  .strict()
  .superRefine((rule, ctx) => {
    const ranged = rule.min !== undefined || rule.max !== undefined;
    if (!rule.values && !ranged) ctx.addIssue({ code: 'custom', path: ['values'], message: 'give values or a min/max range' });
    if (rule.values && ranged) ctx.addIssue({ code: 'custom', path: ['values'], message: 'give either values or a min/max range, not both' });
    if (rule.min !== undefined && rule.max !== undefined && rule.min >= rule.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: 'max must be greater than min' });
    }
  });

export const behaviourRuleSchema = z
  .object({
    id: ruleId,
    kind: z.string().regex(/^[a-z][a-z0-9_.:-]{0,63}$/, 'kind is an activity kind such as page_view or intent_keyword'),
    values: z.array(z.string().trim().min(1).max(255)).min(1).max(200).optional(),
    match: z.enum(['exact', 'prefix', 'contains']).default('exact'),
    points,
    /** Largest total (in absolute value) this rule can contribute, however often it fires. */
    cap: z.number().int().min(1).max(100).optional(),
    reason,
  })
  .strict();

export const decaySchema = z
  .object({
    afterDays: z.number().int().min(1).max(3650),
    everyDays: z.number().int().min(1).max(3650),
    factor: z.number().min(0).max(1),
  })
  .strict();

const threshold = z.number().int().min(0).max(100);

export const thresholdsSchema = z
  .object({ gradeA: threshold, gradeB: threshold, mql: threshold, sql: threshold, hot: threshold })
  .strict()
  .superRefine((t, ctx) => {
    if (t.gradeB > t.gradeA) ctx.addIssue({ code: 'custom', path: ['gradeB'], message: 'gradeB must not be above gradeA' });
    if (t.mql > t.sql) ctx.addIssue({ code: 'custom', path: ['mql'], message: 'mql must not be above sql' });
  });

export const scoringRulesSchema = z
  .object({
    notes: z.array(z.string().max(2000)).max(50).optional(),
    attributes: z.array(attributeRuleSchema).max(500).default([]),
    behaviours: z.array(behaviourRuleSchema).max(500).default([]),
    decay: decaySchema,
    thresholds: thresholdsSchema,
  })
  .strict()
  .superRefine((rules, ctx) => {
    // Rule ids are what a rep sees in the breakdown: two rules with one id would be unreadable.
    const seen = new Set<string>(['decay', 'clamp']);
    const check = (list: 'attributes' | 'behaviours') =>
      rules[list].forEach((rule, i) => {
        if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: [list, i, 'id'], message: `duplicate or reserved rule id "${rule.id}"` });
        seen.add(rule.id);
      });
    check('attributes');
    check('behaviours');
  });

export type AttributeRule = z.infer<typeof attributeRuleSchema>;
export type BehaviourRule = z.infer<typeof behaviourRuleSchema>;
export type ScoringRules = z.infer<typeof scoringRulesSchema>;
export type ScoringThresholds = ScoringRules['thresholds'];

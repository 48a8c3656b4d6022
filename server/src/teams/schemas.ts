import { z } from 'zod';

const userId = z.string().trim().min(1).max(64);
const member = z.union([userId.transform((u) => ({ userId: u, active: true })), z.object({ userId, active: z.boolean().default(true) })]);

export const createTeamSchema = z.object({
  name: z.string().trim().min(1).max(64),
  maxActiveLeads: z.number().int().min(1).max(100_000).default(200),
  /** null = the pool's default deadline. */
  followUpHours: z.number().int().min(1).max(24 * 90).nullable().default(null),
  /** null = the pool's default daily claim limit. */
  dailyClaimLimit: z.number().int().min(0).max(10_000).nullable().default(null),
  members: z.array(member).max(500).default([]),
});
export const updateTeamSchema = z.object({
  name: createTeamSchema.shape.name.optional(),
  maxActiveLeads: z.number().int().min(1).max(100_000).optional(),
  followUpHours: z.number().int().min(1).max(24 * 90).nullable().optional(),
  dailyClaimLimit: z.number().int().min(0).max(10_000).nullable().optional(),
  /** Replaces the member list; members kept keep their place in the round-robin. */
  members: z.array(member).max(500).optional(),
});
export type CreateTeamInput = z.infer<typeof createTeamSchema>;
export type UpdateTeamInput = z.infer<typeof updateTeamSchema>;

const scalar = z.union([z.string().max(128), z.number()]);
export const conditionSchema = z
  .object({
    /** region, industry, productLine, channelId, tag, source, or any lead attribute key. */
    field: z.string().trim().min(1).max(64),
    op: z.enum(['eq', 'in', 'contains']),
    value: z.union([scalar, z.array(scalar).min(1).max(100)]),
  })
  .refine((c) => (c.op === 'in') === Array.isArray(c.value), { message: '"in" takes a list of values; eq and contains take one value', path: ['value'] });

export const createRuleSchema = z.object({
  position: z.number().int().min(0).max(1_000_000),
  name: z.string().trim().min(1).max(100),
  conditions: z.array(conditionSchema).max(20).default([]),
  teamId: z.number().int().positive(),
  enabled: z.boolean().default(true),
});
export const updateRuleSchema = z.object({
  position: createRuleSchema.shape.position.optional(),
  name: createRuleSchema.shape.name.optional(),
  conditions: z.array(conditionSchema).max(20).optional(),
  teamId: createRuleSchema.shape.teamId.optional(),
  enabled: z.boolean().optional(),
});
export type CreateRuleInput = z.infer<typeof createRuleSchema>;
export type UpdateRuleInput = z.infer<typeof updateRuleSchema>;

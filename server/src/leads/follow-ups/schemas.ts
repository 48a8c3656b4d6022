import { z } from 'zod';
import { FOLLOW_UP_KINDS } from '../follow-up.entity';
import { instantSchema } from '../../util/instant-schema';
import { cursorParam, limitParam } from '../../http/params';

export const logFollowUpSchema = z
  .object({
    kind: z.enum(FOLLOW_UP_KINDS),
    outcome: z.string().trim().min(1).max(32).regex(/^[a-z0-9_]+$/, 'outcome is a code such as interested, no_answer').optional(),
    content: z.string().max(2000).optional(),
    nextStepAt: instantSchema.optional(),
    nextStepNote: z.string().trim().max(255).optional(),
  })
  .refine((v) => v.nextStepNote === undefined || v.nextStepAt !== undefined, {
    path: ['nextStepNote'],
    message: 'nextStepNote needs nextStepAt',
  });

export type LogFollowUpInput = z.infer<typeof logFollowUpSchema>;

export const followUpListQuery = z.object({
  limit: limitParam(200, 50),
  cursor: cursorParam,
});

import { z } from 'zod';

const utf8Bytes = (max: number) => (s: string) => Buffer.byteLength(s, 'utf8') <= max;

const userId = z.string().trim().min(1).max(64);
const tagName = z.string().trim().min(1, 'tag names cannot be empty').max(30, 'tag names are at most 30 characters');

export const welcomeMiniprogramSchema = z.object({
  title: z.string().min(1).refine(utf8Bytes(64), 'title is at most 64 bytes'),
  appid: z.string().min(1).max(64),
  page: z.string().min(1).max(256),
  picMediaId: z.string().min(1).max(256),
});

export const createChannelSchema = z.object({
  name: z.string().trim().min(1, 'name is required').max(100),
  userIds: z.array(userId).min(1, 'at least one rep is required').max(100, 'at most 100 reps per channel (WeCom 41041)'),
  tags: z.array(tagName).max(20).default([]),
  welcomeText: z.string().min(1).refine(utf8Bytes(4000), 'welcomeText is at most 4000 bytes').optional(),
  welcomeMiniprogram: welcomeMiniprogramSchema.optional(),
});

export const updateChannelSchema = createChannelSchema
  .partial()
  .extend({
    welcomeText: z.string().refine(utf8Bytes(4000), 'welcomeText is at most 4000 bytes').nullable().optional(),
    welcomeMiniprogram: welcomeMiniprogramSchema.nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'nothing to update');

export type CreateChannelInput = z.infer<typeof createChannelSchema>;
export type UpdateChannelInput = z.infer<typeof updateChannelSchema>;

import { utf8Bytes } from '../util/utf8';
import { z } from 'zod';
import { checkedRange, MAX_RANGE_DAYS } from '../stats/range';
import { addDays, cstDate } from '../util/china-time';

const withinBytes = (max: number) => (s: string) => utf8Bytes(s) <= max;

const userId = z.string().trim().min(1).max(64);
const tagName = z.string().trim().min(1, 'tag names cannot be empty').max(30, 'tag names are at most 30 characters');

export const welcomeMiniprogramSchema = z.object({
  title: z.string().min(1).refine(withinBytes(64), 'title is at most 64 bytes'),
  appid: z.string().min(1).max(64),
  page: z.string().min(1).max(256),
  picMediaId: z.string().min(1).max(256),
});

const name = z.string().trim().min(1, 'name is required').max(100);
const userIds = z.array(userId).min(1, 'at least one rep is required').max(100, 'at most 100 reps per channel (WeCom 41041)');
const tags = z.array(tagName).max(20);

export const createChannelSchema = z.object({
  name,
  userIds,
  tags: tags.default([]),
  welcomeText: z.string().min(1).refine(withinBytes(4000), 'welcomeText is at most 4000 bytes').optional(),
  welcomeMiniprogram: welcomeMiniprogramSchema.optional(),
});

/**
 * Spelled out rather than `createChannelSchema.partial()`: a partial schema keeps the create
 * defaults, so an edit that left out `tags` came back with `tags: []` and wiped them. Here an
 * omitted field stays undefined, and undefined means "leave it as it is".
 */
export const updateChannelSchema = z.object({
  name: name.optional(),
  userIds: userIds.optional(),
  tags: tags.optional(),
  welcomeText: z.string().refine(withinBytes(4000), 'welcomeText is at most 4000 bytes').nullable().optional(),
  welcomeMiniprogram: welcomeMiniprogramSchema.nullable().optional(),
});

export const UPDATABLE_CHANNEL_FIELDS = Object.keys(updateChannelSchema.shape) as Array<keyof UpdateChannelInput>;

export type CreateChannelInput = z.infer<typeof createChannelSchema>;
export type UpdateChannelInput = z.infer<typeof updateChannelSchema>;

/**
 * `from`/`to` of a channel's stats. Either may be left out, but the window is always bounded (a
 * whole-history scan of a busy channel is exactly what the cap is for): a missing `to` is the
 * widest window after `from` (or today when both are missing), a missing `from` the widest
 * window before `to`.
 */
export const channelStatsQuery = (now = Date.now()) =>
  checkedRange(
    z.object({ from: z.iso.date().optional(), to: z.iso.date().optional() }).transform((q) => {
      const to = q.to ?? (q.from ? addDays(q.from, MAX_RANGE_DAYS - 1) : cstDate(now));
      const from = q.from ?? addDays(to, -(MAX_RANGE_DAYS - 1));
      return { from, to };
    }),
  );

import { z } from 'zod';

/**
 * A row id in the path (/leads/:id) or the query (?channelId=): a positive integer written as
 * plain digits, else 400 — one spelling, not "1.", "0x1" or "1e0".
 */
export const idParam = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/, 'must be a positive whole number')
    .transform(Number),
]);

/** `limit` of a list: 1 to `max` rows, `byDefault` when left out. */
export const limitParam = (max: number, byDefault: number) => z.coerce.number().int().min(1).max(max).default(byDefault);

/** `cursor` of a keyset-paginated list: the `nextCursor` of the page before (http/cursor). */
export const cursorParam = z.string().max(200).optional();

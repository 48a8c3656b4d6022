import { z } from 'zod';

/** A row id in the path (/leads/:id) or the query (?channelId=): a positive integer, else 400. */
export const idParam = z.coerce.number().int().positive();

/** `limit` of a list: 1 to `max` rows, `byDefault` when left out. */
export const limitParam = (max: number, byDefault: number) => z.coerce.number().int().min(1).max(max).default(byDefault);

/** `cursor` of a keyset-paginated list: the `nextCursor` of the page before (http/cursor). */
export const cursorParam = z.string().max(200).optional();

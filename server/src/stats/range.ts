import { z } from 'zod';

const DAY_MS = 86_400_000;
/** Longest range one stats request may cover: keeps the per-request lead query bounded. */
export const MAX_RANGE_DAYS = 366;

/** A YYYY-MM-DD in China Standard Time (Asia/Shanghai, UTC+8, no DST), as epoch ms. */
export const cstDayStart = (date: string) => Date.parse(`${date}T00:00:00+08:00`);

export interface StatsRange {
  /** Inclusive, epoch ms. */
  start: number;
  /** Exclusive, epoch ms: the start of the day after `to`. */
  end: number;
  from: string;
  to: string;
}

export const rangeQuery = z
  .object({ from: z.iso.date(), to: z.iso.date() })
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'to must not be before from' })
  .refine((q) => (cstDayStart(q.to) - cstDayStart(q.from)) / DAY_MS < MAX_RANGE_DAYS, {
    path: ['to'],
    message: `a range covers at most ${MAX_RANGE_DAYS} days`,
  })
  .transform((q): StatsRange => ({ from: q.from, to: q.to, start: cstDayStart(q.from), end: cstDayStart(q.to) + DAY_MS }));

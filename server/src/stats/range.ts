import { z } from 'zod';
import { CHINA_TIMEZONE, cstDayStart } from '../util/china-time';
import { DAY_MS } from '../util/time';

/** Longest range one stats request may cover: keeps the per-request lead query bounded. */
export const MAX_RANGE_DAYS = 366;

export interface StatsRange {
  /** Inclusive, epoch ms. */
  start: number;
  /** Exclusive, epoch ms: the start of the day after `to`. */
  end: number;
  from: string;
  to: string;
}

/**
 * The checks and the epoch-ms bounds every stats range gets, whatever schema produced its
 * `from` and `to` (Shanghai calendar days, both included).
 */
export const checkedRange = <T extends z.ZodType<{ from: string; to: string }>>(dates: T) =>
  dates
    .refine((q) => q.from <= q.to, { path: ['to'], message: 'to must not be before from' })
    .refine((q) => (cstDayStart(q.to) - cstDayStart(q.from)) / DAY_MS < MAX_RANGE_DAYS, {
      path: ['to'],
      message: `a range covers at most ${MAX_RANGE_DAYS} days`,
    })
    .transform((q): StatsRange => ({ from: q.from, to: q.to, start: cstDayStart(q.from), end: cstDayStart(q.to) + DAY_MS }));

/** How every stats reply states its range: the dates asked for and the calendar they are days of. */
export const presentRange = (range: StatsRange) => ({ from: range.from, to: range.to, timezone: CHINA_TIMEZONE });

export const rangeQuery = checkedRange(z.object({ from: z.iso.date(), to: z.iso.date() }));

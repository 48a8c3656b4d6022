import { z } from 'zod';

/** The calendar window a date Xiansuo is given may fall in: anything outside is a typo or an attack. */
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);
const RANGE_MESSAGE = 'must be a date between 2000-01-01 and 2100-01-01';

/**
 * A point in time as the clients send it: epoch milliseconds, or an ISO date-time with an offset.
 * Bounded, so that `new Date(value)` is always a valid date (an epoch value past 8.64e15 once
 * became "Invalid time value" and a 500).
 */
export const instantSchema = z.union([
  z.number().int().min(EARLIEST, RANGE_MESSAGE).max(LATEST, RANGE_MESSAGE),
  z.iso
    .datetime({ offset: true })
    .transform((s) => Date.parse(s))
    .pipe(z.number().int().min(EARLIEST, RANGE_MESSAGE).max(LATEST, RANGE_MESSAGE)),
]);

import { CST_OFFSET_MS } from '../../util/china-time';
import { DAY_MS } from '../../util/time';

/** A daily window in Asia/Shanghai wall-clock time ("HH:MM"), e.g. 21:00–09:00 across midnight. */
export interface QuietHours {
  start: string;
  end: string;
}

export const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * When the quiet hours around `at` end (epoch ms), or null when `at` is outside them (or the
 * window is empty: start = end). A window whose start is after its end runs across midnight.
 */
export function quietHoursEnd(window: QuietHours | null, at: number): number | null {
  if (!window) return null;
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (start === end) return null;
  const local = at + CST_OFFSET_MS;
  const dayStartLocal = Math.floor(local / DAY_MS) * DAY_MS;
  const minute = (local - dayStartLocal) / 60_000;
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inside) return null;
  // The end is later today, or (after a start later than the end) tomorrow.
  const endLocal = dayStartLocal + end * 60_000 + (minute >= end ? DAY_MS : 0);
  return endLocal - CST_OFFSET_MS;
}

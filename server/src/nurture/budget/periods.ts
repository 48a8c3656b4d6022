import { CST_OFFSET_MS } from '../../util/china-time';
import { DAY_MS } from '../../util/time';

/**
 * The corp's per-customer cap on mass messages (群发助手 → 设置群发规则, wecom-reference.md §4.4):
 * `month` = as many per natural month as the month has days (the default), `week` = 7 per natural
 * week (Monday to Sunday), `day` = 1 per day; all natural periods in Asia/Shanghai.
 */
export const CORP_RULES = ['month', 'week', 'day'] as const;
export type CorpRule = (typeof CORP_RULES)[number];

/** A period [start, end) in epoch ms and how many messages it allows. */
export interface Period {
  start: number;
  end: number;
  limit: number;
}

/** The Shanghai calendar day containing `at`: [midnight, next midnight). */
export function shanghaiDay(at: number): { start: number; end: number } {
  const start = Math.floor((at + CST_OFFSET_MS) / DAY_MS) * DAY_MS - CST_OFFSET_MS;
  return { start, end: start + DAY_MS };
}

/** The Shanghai calendar month containing `at`, and how many days it has. */
export function shanghaiMonth(at: number): { start: number; end: number; days: number } {
  const local = new Date(at + CST_OFFSET_MS);
  const start = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - CST_OFFSET_MS;
  const end = Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - CST_OFFSET_MS;
  return { start, end, days: Math.round((end - start) / DAY_MS) };
}

/** The period of the corp's rule that contains `at`, with its limit (same as the WeCom simulator's capPeriod). */
export function corpPeriod(rule: CorpRule, at: number): Period {
  if (rule === 'day') return { ...shanghaiDay(at), limit: 1 };
  if (rule === 'week') {
    const day = shanghaiDay(at);
    const sinceMonday = (new Date(at + CST_OFFSET_MS).getUTCDay() + 6) % 7;
    const start = day.start - sinceMonday * DAY_MS;
    return { start, end: start + 7 * DAY_MS, limit: 7 };
  }
  const month = shanghaiMonth(at);
  return { start: month.start, end: month.end, limit: month.days };
}

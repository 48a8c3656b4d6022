import type { BudgetSettings } from './budget-settings';
import type { LedgerRow } from './ledger';
import { corpPeriod, shanghaiDay, shanghaiMonth, type Period } from './periods';
import { quietHoursEnd } from './quiet-hours';

/** Why a customer may not get a push now, and when that reason stops holding (epoch ms). */
export type BlockReason =
  | { reason: 'quiet_hours'; until: number }
  | { reason: 'corp_budget_spent'; until: number }
  | { reason: 'monthly_cap'; until: number }
  | { reason: 'pushed_today'; until: number };

export type PushDecision =
  | { externalUserId: string; allowed: true }
  /** `retryAt`: no push is possible before it (every reason holds until then, and it is outside quiet hours); check again then. */
  | { externalUserId: string; allowed: false; reasons: BlockReason[]; retryAt: number };

/** What one customer has used, by period, counting status-1 deliveries only. */
export interface CustomerUsage {
  corp: Period & { used: number; remaining: number };
  month: { start: number; end: number; used: number; cap: number | null; remaining: number | null };
  today: { start: number; end: number; used: number };
  lastSentAt: number | null;
}

/** The earliest delivery time the decision and the usage need rows from. */
export function ledgerSince(settings: BudgetSettings, at: number): number {
  return Math.min(corpPeriod(settings.corpRule, at).start, shanghaiMonth(at).start);
}

const countIn = (times: readonly number[], start: number, end: number) => times.filter((t) => t >= start && t < end).length;

/** One customer's usage at `at`, from their status-1 delivery times. */
export function usageOf(settings: BudgetSettings, sentTimes: readonly number[], at: number): CustomerUsage {
  const corp = corpPeriod(settings.corpRule, at);
  const month = shanghaiMonth(at);
  const day = shanghaiDay(at);
  const corpUsed = countIn(sentTimes, corp.start, corp.end);
  const monthUsed = countIn(sentTimes, month.start, month.end);
  return {
    corp: { ...corp, used: corpUsed, remaining: Math.max(0, corp.limit - corpUsed) },
    month: {
      start: month.start,
      end: month.end,
      used: monthUsed,
      cap: settings.monthlyCap,
      remaining: settings.monthlyCap === null ? null : Math.max(0, settings.monthlyCap - monthUsed),
    },
    today: { start: day.start, end: day.end, used: countIn(sentTimes, day.start, day.end) },
    lastSentAt: sentTimes.length ? Math.max(...sentTimes) : null,
  };
}

/** Status-1 delivery times per customer. */
export function sentTimesByCustomer(rows: readonly LedgerRow[]): Map<string, number[]> {
  const byCustomer = new Map<string, number[]>();
  for (const row of rows) {
    const times = byCustomer.get(row.externalUserId) ?? [];
    times.push(row.sentAt);
    byCustomer.set(row.externalUserId, times);
  }
  return byCustomer;
}

/**
 * Which of `externalUserIds` may get a push at `at`, and for the others why not. Pure: the rules
 * and the customers' status-1 ledger rows since ledgerSince(settings, at) in, decisions out.
 * A push the corp's budget has no room for would come back as status 3 and never be delivered,
 * so it is refused here rather than sent.
 */
export function decidePushes(settings: BudgetSettings, rows: readonly LedgerRow[], externalUserIds: readonly string[], at: number): PushDecision[] {
  const byCustomer = sentTimesByCustomer(rows);
  const quietUntil = quietHoursEnd(settings.quietHours, at);
  return [...new Set(externalUserIds)].map((externalUserId) => {
    const usage = usageOf(settings, byCustomer.get(externalUserId) ?? [], at);
    const reasons: BlockReason[] = [];
    if (quietUntil !== null) reasons.push({ reason: 'quiet_hours', until: quietUntil });
    if (usage.corp.remaining <= 0) reasons.push({ reason: 'corp_budget_spent', until: usage.corp.end });
    if (usage.month.remaining !== null && usage.month.remaining <= 0) reasons.push({ reason: 'monthly_cap', until: usage.month.end });
    if (settings.onePerDay && usage.today.used > 0) reasons.push({ reason: 'pushed_today', until: usage.today.end });
    if (!reasons.length) return { externalUserId, allowed: true };
    const latest = Math.max(...reasons.map((r) => r.until));
    // A budget that frees at midnight still waits for the morning when midnight is quiet.
    return { externalUserId, allowed: false, reasons, retryAt: quietHoursEnd(settings.quietHours, latest) ?? latest };
  });
}

import { z } from 'zod';
import { In, type EntityManager } from 'typeorm';
import { IN_FLIGHT_STATUSES, NurtureStepRun } from '../steps/step-run.entity';
import { decodeCursor, encodeCursor, keysetPage } from '../../http/cursor';
import { cursorParam, idParam, limitParam } from '../../http/params';
import { isoOrNull } from '../../util/time';
import type { BudgetSettings } from './budget-settings';
import { ledgerSince, sentTimesByCustomer, usageOf, type CustomerUsage } from './decide';
import { loadLedger } from './ledger';
import { MessageDelivery } from './message-delivery.entity';

/** Cursor tag: the first ledger row id of the last customer shown. */
const CURSOR = 'nb';

export const budgetListQuery = z
  .object({
    externalUserId: z.string().trim().min(1).max(64).optional(),
    leadId: idParam.optional(),
    limit: limitParam(200, 50),
    cursor: cursorParam,
  })
  .strict();
export type BudgetListQuery = z.infer<typeof budgetListQuery>;

export function presentUsage(externalUserId: string, leadId: number | null, settings: BudgetSettings, usage: CustomerUsage) {
  return {
    externalUserId,
    leadId,
    corp: {
      rule: settings.corpRule,
      periodStart: isoOrNull(usage.corp.start),
      periodEnd: isoOrNull(usage.corp.end),
      limit: usage.corp.limit,
      used: usage.corp.used,
      remaining: usage.corp.remaining,
    },
    month: {
      start: isoOrNull(usage.month.start),
      end: isoOrNull(usage.month.end),
      used: usage.month.used,
      cap: usage.month.cap,
      remaining: usage.month.remaining,
    },
    today: { used: usage.today.used, onePerDay: settings.onePerDay },
    lastSentAt: isoOrNull(usage.lastSentAt),
  };
}

/**
 * Customers in the ledger, in the order they first appeared there, each with what they used of
 * the corp's period and of this month at `at` and what remains. Two statements a page: the
 * customers, then their status-1 rows.
 */
export async function listBudgets(manager: EntityManager, settings: BudgetSettings, query: BudgetListQuery, at: number) {
  const qb = manager
    .getRepository(MessageDelivery)
    .createQueryBuilder('d')
    .select('d.external_userid', 'externalUserId')
    .addSelect('MIN(d.id)', 'firstId')
    .addSelect('MAX(d.lead_id)', 'leadId')
    .groupBy('d.external_userid');
  if (query.externalUserId) qb.andWhere('d.external_userid = :externalUserId', { externalUserId: query.externalUserId });
  if (query.leadId) qb.andWhere('d.lead_id = :leadId', { leadId: query.leadId });
  if (query.cursor) qb.having('MIN(d.id) > :after', { after: decodeCursor(CURSOR, query.cursor, 1)[0] });
  const raw = await qb.orderBy('firstId', 'ASC').limit(query.limit + 1).getRawMany<{ externalUserId: string; firstId: number | string; leadId: number | string | null }>();
  const customers = raw.map((r) => ({ externalUserId: r.externalUserId, firstId: Number(r.firstId), leadId: r.leadId === null ? null : Number(r.leadId) }));
  const { page, nextCursor } = keysetPage(customers, query.limit, (last) => encodeCursor(CURSOR, [last.firstId]));
  const ids = page.map((c) => c.externalUserId);
  const rows = page.length ? await loadLedger(manager, ids, ledgerSince(settings, at)) : [];
  const times = sentTimesByCustomer(rows);
  const pending = await inFlightPushes(manager, ids);
  return {
    at: isoOrNull(at),
    items: page.map((c) => ({
      ...presentUsage(c.externalUserId, c.leadId, settings, usageOf(settings, times.get(c.externalUserId) ?? [], at)),
      /** Nurture pushes still waiting to be sent, confirmed by the rep or answered: the step runner counts them as used. */
      inFlight: pending.get(c.externalUserId) ?? 0,
    })),
    nextCursor,
  };
}

/** Per customer, how many nurture pushes are in flight (one grouped statement). */
async function inFlightPushes(manager: EntityManager, externalUserIds: string[]): Promise<Map<string, number>> {
  if (externalUserIds.length === 0) return new Map();
  const rows: Array<{ externalUserId: string; n: number | string }> = await manager
    .getRepository(NurtureStepRun)
    .createQueryBuilder('r')
    .select('r.external_userid', 'externalUserId')
    .addSelect('COUNT(*)', 'n')
    .where({ externalUserId: In(externalUserIds), status: In([...IN_FLIGHT_STATUSES]) })
    .groupBy('r.external_userid')
    .getRawMany();
  return new Map(rows.map((r) => [r.externalUserId, Number(r.n)]));
}

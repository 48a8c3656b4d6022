import { z } from 'zod';
import type { AppContext } from '../context';
import { decodeCursor, encodeCursor, keysetPage } from '../http/cursor';
import { cursorParam, idParam, limitParam } from '../http/params';
import { auditListSql, type AuditScope } from '../policies/audit';
import { cstDayStart } from '../util/china-time';
import { DAY_MS, isoOrNull } from '../util/time';
import { AUDIT_ACTIONS, AuditLog } from './audit-log.entity';

/** Cursor tag: the last audit row id seen, newest first. */
const CURSOR = 'a';

/** `from` and `to` are Asia/Shanghai calendar days, both included; either may be left out. */
export const auditListQuery = z
  .object({
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
    action: z.enum(AUDIT_ACTIONS).optional(),
    actorUserId: z.string().min(1).max(64).optional(),
    leadId: idParam.optional(),
    limit: limitParam(100, 50),
    cursor: cursorParam,
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { path: ['to'], message: 'to must not be before from' });
export type AuditListQuery = z.infer<typeof auditListQuery>;

export function presentAuditRow(row: AuditLog) {
  return { id: row.id, action: row.action, actorUserId: row.actorUserId, leadId: row.leadId, purpose: row.purpose, at: isoOrNull(row.at) };
}

/** Audit rows the scope allows, newest first, keyset-paginated on id; each row as `present` makes it (the console shows more). */
export async function listAudit<T = ReturnType<typeof presentAuditRow>>(
  ctx: AppContext,
  scope: AuditScope,
  query: AuditListQuery,
  present: (rows: AuditLog[]) => Promise<T[]> | T[] = (rows) => rows.map(presentAuditRow) as T[],
) {
  const where = auditListSql(scope, 'a');
  const qb = ctx.dataSource.getRepository(AuditLog).createQueryBuilder('a').where(where.sql, where.params);
  if (query.from) qb.andWhere('a.at >= :from', { from: cstDayStart(query.from) });
  if (query.to) qb.andWhere('a.at < :to', { to: cstDayStart(query.to) + DAY_MS });
  if (query.action) qb.andWhere('a.action = :action', { action: query.action });
  if (query.actorUserId) qb.andWhere('a.actor_user_id = :actorUserId', { actorUserId: query.actorUserId });
  if (query.leadId) qb.andWhere('a.lead_id = :leadId', { leadId: query.leadId });
  if (query.cursor) qb.andWhere('a.id < :after', { after: decodeCursor(CURSOR, query.cursor, 1)[0] });
  const rows = await qb.orderBy('a.id', 'DESC').limit(query.limit + 1).getMany();
  const { page, nextCursor } = keysetPage(rows, query.limit, (last) => encodeCursor(CURSOR, [last.id]));
  return { items: await present(page), nextCursor };
}

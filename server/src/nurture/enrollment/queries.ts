import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { decodeCursor, encodeCursor, keysetPage } from '../../http/cursor';
import { cursorParam, idParam, limitParam } from '../../http/params';
import type { ScopeSql } from '../../policies/actor';
import { leadIdIn } from '../../policies/nurture';
import { sequenceKeySchema } from '../sequences/schema';
import { NurtureEnrollment } from './enrollment.entity';
import { presentEnrollment } from './presenters';

/** Cursor tag: the last enrollment id seen, newest first. */
const CURSOR = 'ne';

export const enrollmentListQuery = z.object({
  leadId: idParam.optional(),
  sequenceKey: sequenceKeySchema.optional(),
  status: z.enum(['active', 'exited', 'completed']).optional(),
  limit: limitParam(200, 50),
  cursor: cursorParam,
});
export type EnrollmentListQuery = z.infer<typeof enrollmentListQuery>;

/**
 * Enrollments, newest first, keyset-paginated on id: the rows, for callers that present them
 * their own way. `leads`, a condition on the lead table (alias `l`) from a policy, keeps those of
 * the leads it allows (policies/nurture.ts).
 */
export async function findEnrollments(manager: EntityManager, query: EnrollmentListQuery, leads?: ScopeSql): Promise<{ rows: NurtureEnrollment[]; nextCursor: string | null }> {
  const qb = manager.getRepository(NurtureEnrollment).createQueryBuilder('e');
  if (leads) {
    const scope = leadIdIn(manager, 'e.lead_id', leads);
    qb.andWhere(scope.sql, scope.params);
  }
  if (query.leadId) qb.andWhere('e.lead_id = :leadId', { leadId: query.leadId });
  if (query.sequenceKey) qb.andWhere('e.sequence_key = :sequenceKey', { sequenceKey: query.sequenceKey });
  if (query.status) qb.andWhere('e.status = :status', { status: query.status });
  if (query.cursor) qb.andWhere('e.id < :after', { after: decodeCursor(CURSOR, query.cursor, 1)[0] });
  const rows = await qb.orderBy('e.id', 'DESC').limit(query.limit + 1).getMany();
  const { page, nextCursor } = keysetPage(rows, query.limit, (last) => encodeCursor(CURSOR, [last.id]));
  return { rows: page, nextCursor };
}

/** Enrollments as the admin API lists them. */
export async function listEnrollments(manager: EntityManager, query: EnrollmentListQuery) {
  const { rows, nextCursor } = await findEnrollments(manager, query);
  return { items: rows.map(presentEnrollment), nextCursor };
}

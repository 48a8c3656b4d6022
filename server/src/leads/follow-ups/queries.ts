import type { AppContext } from '../../context';
import { decodeCursor, encodeCursor, keysetPage } from '../../http/cursor';
import { FollowUp } from '../follow-up.entity';
import type { PolicyActor } from '../../policies/actor';
import { findLeadFor } from '../../policies/lead';
import { presentFollowUp } from './presenters';

/** Cursor tag: the last follow-up id seen. */
const CURSOR = 'f';

/** A lead's follow-ups, newest first, keyset-paginated on id. */
export async function listFollowUps(ctx: AppContext, actor: PolicyActor, leadId: number, page: { limit: number; cursor?: string }) {
  await findLeadFor(ctx.dataSource.manager, actor, leadId, 'view');
  const qb = ctx.dataSource.getRepository(FollowUp).createQueryBuilder('f').where('f.lead_id = :leadId', { leadId });
  if (page.cursor) qb.andWhere('f.id < :after', { after: decodeCursor(CURSOR, page.cursor, 1)[0] });
  const rows = await qb.orderBy('f.id', 'DESC').limit(page.limit + 1).getMany();
  const { page: items, nextCursor } = keysetPage(rows, page.limit, (last) => encodeCursor(CURSOR, [last.id]));
  return { items: items.map(presentFollowUp), nextCursor };
}

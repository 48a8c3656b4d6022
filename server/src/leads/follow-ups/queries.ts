import type { AppContext } from '../../context';
import { badRequest } from '../../http/errors';
import { FollowUp } from '../follow-up.entity';
import { findAccessibleLead, LeadActor } from '../lead-access';
import { presentFollowUp } from './presenters';

const encodeCursor = (id: number) => Buffer.from(`f:${id}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const match = /^f:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw badRequest('cursor is invalid');
  return Number(match[1]);
}

/** A lead's follow-ups, newest first, keyset-paginated on id. */
export async function listFollowUps(ctx: AppContext, actor: LeadActor, leadId: number, page: { limit: number; cursor?: string }) {
  await findAccessibleLead(ctx.dataSource.manager, actor, leadId);
  const qb = ctx.dataSource.getRepository(FollowUp).createQueryBuilder('f').where('f.lead_id = :leadId', { leadId });
  if (page.cursor) qb.andWhere('f.id < :after', { after: decodeCursor(page.cursor) });
  const rows = await qb.orderBy('f.id', 'DESC').limit(page.limit + 1).getMany();
  const items = rows.slice(0, page.limit);
  return {
    items: items.map(presentFollowUp),
    nextCursor: rows.length > page.limit ? encodeCursor(items[items.length - 1].id) : null,
  };
}

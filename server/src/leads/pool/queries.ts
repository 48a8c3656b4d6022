import { In } from 'typeorm';
import type { AppContext } from '../../context';
import { decodeCursor, encodeCursor, keysetPage } from '../../http/cursor';
import { Lead } from '../lead.entity';
import { LeadTag } from '../lead-tag.entity';
import { presentLeadOwnership } from './presenters';

/** Cursor tag: (poolSince, id) of the last lead seen. */
const CURSOR = 'p';

/** The public pool, most recently released first, keyset-paginated on (pool_since, id) — idx_lead_pool. */
export async function listPool(ctx: AppContext, query: { limit: number; cursor?: string }) {
  const qb = ctx.dataSource
    .getRepository(Lead)
    .createQueryBuilder('lead')
    .where('lead.in_pool = 1 AND lead.merged_into_id IS NULL');
  if (query.cursor) {
    const [poolSince, id] = decodeCursor(CURSOR, query.cursor, 2);
    qb.andWhere('(lead.pool_since < :ps OR (lead.pool_since = :ps AND lead.id < :id))', { ps: poolSince, id });
  }
  const rows = await qb.orderBy('lead.pool_since', 'DESC').addOrderBy('lead.id', 'DESC').limit(query.limit + 1).getMany();
  const { page, nextCursor } = keysetPage(rows, query.limit, (last) => encodeCursor(CURSOR, [last.poolSince ?? 0, last.id]));
  const tags = new Map<number, string[]>(page.map((l) => [l.id, []]));
  if (page.length) {
    for (const t of await ctx.dataSource.getRepository(LeadTag).find({ where: { leadId: In(page.map((l) => l.id)) }, order: { id: 'ASC' } })) {
      tags.get(t.leadId)?.push(t.name);
    }
  }
  return {
    items: page.map((lead) => presentLeadOwnership(lead, tags.get(lead.id) ?? [])),
    nextCursor,
  };
}

import { In } from 'typeorm';
import type { AppContext } from '../../context';
import { badRequest } from '../../http/errors';
import { Lead } from '../lead.entity';
import { LeadTag } from '../lead-tag.entity';
import { presentLeadOwnership } from './presenters';

/** Opaque to clients: (poolSince, id) of the last item seen. */
const encodeCursor = (lead: Lead) => Buffer.from(`p:${lead.poolSince ?? 0}:${lead.id}`).toString('base64url');
function decodeCursor(cursor: string): { poolSince: number; id: number } {
  const match = /^p:(\d+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw badRequest('cursor is invalid');
  return { poolSince: Number(match[1]), id: Number(match[2]) };
}

/** The public pool, most recently released first, keyset-paginated on (pool_since, id) — idx_lead_pool. */
export async function listPool(ctx: AppContext, query: { limit: number; cursor?: string }) {
  const qb = ctx.dataSource
    .getRepository(Lead)
    .createQueryBuilder('lead')
    .where('lead.in_pool = 1 AND lead.merged_into_id IS NULL');
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    qb.andWhere('(lead.pool_since < :ps OR (lead.pool_since = :ps AND lead.id < :id))', { ps: after.poolSince, id: after.id });
  }
  const rows = await qb.orderBy('lead.pool_since', 'DESC').addOrderBy('lead.id', 'DESC').limit(query.limit + 1).getMany();
  const page = rows.slice(0, query.limit);
  const tags = new Map<number, string[]>(page.map((l) => [l.id, []]));
  if (page.length) {
    for (const t of await ctx.dataSource.getRepository(LeadTag).find({ where: { leadId: In(page.map((l) => l.id)) }, order: { id: 'ASC' } })) {
      tags.get(t.leadId)?.push(t.name);
    }
  }
  return {
    items: page.map((lead) => presentLeadOwnership(lead, tags.get(lead.id) ?? [])),
    nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]) : null,
  };
}

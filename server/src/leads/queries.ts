import { In } from 'typeorm';
import type { AppContext } from '../context';
import { badRequest, notFound } from '../http/errors';
import { Lead, LeadStage } from './lead.entity';
import { LeadRelation } from './lead-relation.entity';
import { LeadTag } from './lead-tag.entity';
import { TimelineEntry } from './timeline-entry.entity';
import { presentLead, presentRelation, presentScoring, presentTimelineEntry } from './presenters';

export interface LeadListFilter {
  channelId?: number;
  ownerUserId?: string;
  tag?: string;
  stage?: LeadStage;
  limit: number;
  cursor?: string;
}

/** Cursors are opaque to clients: the last id seen, newest first. */
const encodeCursor = (id: number) => Buffer.from(`l:${id}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const match = /^l:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw badRequest('cursor is invalid');
  return Number(match[1]);
}

async function tagsByLead(ctx: AppContext, leadIds: number[]): Promise<Map<number, string[]>> {
  const map = new Map<number, string[]>(leadIds.map((id) => [id, []]));
  if (!leadIds.length) return map;
  const tags = await ctx.dataSource.getRepository(LeadTag).find({ where: { leadId: In(leadIds) }, order: { id: 'ASC' } });
  for (const t of tags) map.get(t.leadId)?.push(t.name);
  return map;
}

/** Newest first, keyset-paginated on id so page N costs the same as page 1 at a million leads. */
export async function listLeads(ctx: AppContext, filter: LeadListFilter) {
  const qb = ctx.dataSource.getRepository(Lead).createQueryBuilder('l');
  // Merged leads are tombstones pointing at the lead that absorbed them.
  qb.where('l.merged_into_id IS NULL');
  if (filter.channelId !== undefined) qb.andWhere('l.channel_id = :channelId', { channelId: filter.channelId });
  if (filter.ownerUserId !== undefined) qb.andWhere('l.owner_user_id = :owner', { owner: filter.ownerUserId });
  if (filter.tag !== undefined) {
    qb.andWhere('EXISTS (SELECT 1 FROM lead_tag t WHERE t.lead_id = l.id AND t.name = :tag)', { tag: filter.tag });
  }
  if (filter.stage !== undefined) qb.andWhere('l.stage = :stage', { stage: filter.stage });
  if (filter.cursor) qb.andWhere('l.id < :after', { after: decodeCursor(filter.cursor) });
  const rows = await qb.orderBy('l.id', 'DESC').limit(filter.limit + 1).getMany();
  const page = rows.slice(0, filter.limit);
  const tags = await tagsByLead(ctx, page.map((l) => l.id));
  return {
    items: page.map((lead) => presentLead(lead, tags.get(lead.id) ?? [])),
    nextCursor: rows.length > filter.limit ? encodeCursor(page[page.length - 1].id) : null,
  };
}

export async function getLeadDetail(ctx: AppContext, id: number) {
  const lead = await ctx.dataSource.getRepository(Lead).findOneBy({ id });
  if (!lead) throw notFound('lead');
  const [tags, relations, timeline] = await Promise.all([
    tagsByLead(ctx, [id]),
    ctx.dataSource.getRepository(LeadRelation).find({ where: { leadId: id }, order: { id: 'ASC' } }),
    ctx.dataSource.getRepository(TimelineEntry).find({ where: { leadId: id }, order: { occurredAt: 'ASC', id: 'ASC' } }),
  ]);
  return {
    ...presentLead(lead, tags.get(id) ?? []),
    ...presentScoring(lead),
    // Non-null: this lead was merged into that one, which now holds its history.
    mergedIntoId: lead.mergedIntoId,
    relations: relations.map(presentRelation),
    timeline: timeline.map(presentTimelineEntry),
  };
}

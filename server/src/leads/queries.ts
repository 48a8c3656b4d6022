import { EntityManager, In, SelectQueryBuilder } from 'typeorm';
import type { AppContext } from '../context';
import { decodeCursor, encodeCursor, keysetPage } from '../http/cursor';
import { notFound } from '../http/errors';
import { actorLabel, type PolicyActor } from '../policies/actor';
import { Lead, LeadGrade, LeadStage } from './lead.entity';
import { logPhoneSearch } from './reveal-phone';
import { LeadRelation } from './lead-relation.entity';
import { LeadTag } from './lead-tag.entity';
import { TimelineEntry } from './timeline-entry.entity';
import { presentLead, presentRelation, presentScoring, presentTimelineEntry } from './presenters';

export interface LeadListFilter {
  channelId?: number;
  ownerUserId?: string;
  tag?: string;
  stage?: LeadStage;
  grade?: LeadGrade;
  inPool?: boolean;
  /** Substring of the lead's name or of a rep's WeCom remark on it (any rep's, or only `remarksOf`'s). */
  q?: string;
  /** Search only this rep's remarks: another rep's remark on a lead is theirs to read. */
  remarksOf?: string;
  /** A normalised phone number (capture/contact-fields normalizePhone), matched exactly. */
  phone?: string;
  limit: number;
  cursor?: string;
}

/** `!` escapes LIKE wildcards: a backslash would need different quoting in SQLite and MySQL, `!` does not. */
export const likeContains = (text: string) => `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;

/** Cursor tag: the last lead id seen, newest first. */
const CURSOR = 'l';

export async function tagsByLead(ctx: AppContext, leadIds: number[]): Promise<Map<number, string[]>> {
  const map = new Map<number, string[]>(leadIds.map((id) => [id, []]));
  if (!leadIds.length) return map;
  const tags = await ctx.dataSource.getRepository(LeadTag).find({ where: { leadId: In(leadIds) }, order: { id: 'ASC' } });
  for (const t of tags) map.get(t.leadId)?.push(t.name);
  return map;
}

/**
 * Live leads (merged ones are tombstones pointing at the lead that absorbed them) matching the
 * filter's fields, as a query builder on `l` for the caller to scope, order and page.
 */
export function filteredLeads(manager: EntityManager, filter: Omit<LeadListFilter, 'limit' | 'cursor'>): SelectQueryBuilder<Lead> {
  const qb = manager.getRepository(Lead).createQueryBuilder('l');
  qb.where('l.merged_into_id IS NULL');
  if (filter.channelId !== undefined) qb.andWhere('l.channel_id = :channelId', { channelId: filter.channelId });
  if (filter.ownerUserId !== undefined) qb.andWhere('l.owner_user_id = :owner', { owner: filter.ownerUserId });
  if (filter.tag !== undefined) {
    qb.andWhere('EXISTS (SELECT 1 FROM lead_tag t WHERE t.lead_id = l.id AND t.name = :tag)', { tag: filter.tag });
  }
  if (filter.stage !== undefined) qb.andWhere('l.stage = :stage', { stage: filter.stage });
  if (filter.grade !== undefined) qb.andWhere('l.grade = :grade', { grade: filter.grade });
  if (filter.inPool !== undefined) qb.andWhere('l.in_pool = :inPool', { inPool: filter.inPool ? 1 : 0 });
  if (filter.phone !== undefined) qb.andWhere('l.phone = :phone', { phone: filter.phone });
  if (filter.q !== undefined) {
    const whose = filter.remarksOf !== undefined ? ' AND r.user_id = :remarksOf' : '';
    qb.andWhere(
      `(l.name LIKE :q ESCAPE '!' OR EXISTS (SELECT 1 FROM lead_relation r WHERE r.lead_id = l.id${whose} AND r.remark LIKE :q ESCAPE '!'))`,
      { q: likeContains(filter.q), ...(filter.remarksOf !== undefined ? { remarksOf: filter.remarksOf } : {}) },
    );
  }
  return qb;
}

/**
 * Newest first, keyset-paginated on id so page N costs the same as page 1 at a million leads.
 * Each equality filter has an index ending in id, so the database reads the page in order and
 * stops: owner (idx_lead_owner), channel (idx_lead_channel), stage (idx_lead_stage), pool
 * (idx_lead_in_pool), phone (idx_lead_phone: InnoDB and SQLite keep the row id in it), tag
 * (uq_lead_tag probed per lead). `q` is a contains-match, which no B-tree index serves: it
 * walks leads newest first and stops at a full page, so it is cheap for common words and scans
 * everything for a word nobody has; combine it with another filter on big tables.
 *
 * A phone filter says whether a full number belongs to a lead, which is as good as revealing it:
 * each lead it returns gets a `phone.searched` timeline entry, written before the reply (`actor`
 * is then required).
 */
export async function listLeads(ctx: AppContext, filter: LeadListFilter, actor?: PolicyActor) {
  if (filter.phone !== undefined && !actor) throw new Error('listLeads: a phone search needs the actor, for the access log');
  const run = async (manager: EntityManager) => {
    const qb = filteredLeads(manager, filter);
    if (filter.cursor) qb.andWhere('l.id < :after', { after: decodeCursor(CURSOR, filter.cursor, 1)[0] });
    const rows = await qb.orderBy('l.id', 'DESC').limit(filter.limit + 1).getMany();
    const result = keysetPage(rows, filter.limit, (last) => encodeCursor(CURSOR, [last.id]));
    if (filter.phone !== undefined && result.page.length) await logPhoneSearch(manager, actor!, result.page);
    return result;
  };
  // The log entries and the answer they log go together: no reply without its entries.
  const { page, nextCursor } = filter.phone !== undefined ? await ctx.dataSource.transaction(run) : await run(ctx.dataSource.manager);
  if (filter.phone !== undefined) {
    // Who and how many, never the number: application logs are not the place for it.
    ctx.logger.info({ actor: actorLabel(actor!), leadIds: page.map((l) => l.id) }, 'lead list searched by phone');
  }
  const tags = await tagsByLead(ctx, page.map((lead) => lead.id));
  return {
    items: page.map((lead) => presentLead(lead, tags.get(lead.id) ?? [])),
    nextCursor,
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

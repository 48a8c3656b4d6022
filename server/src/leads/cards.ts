import { In } from 'typeorm';
import { z } from 'zod';
import type { AppContext } from '../context';
import { Channel } from '../channels/channel.entity';
import { decodeCursor, encodeCursor, keysetPage } from '../http/cursor';
import { cursorParam, idParam, limitParam } from '../http/params';
import { leadActions, leadListSql, searchableRemarksOf, type LeadListScope, type LeadScope } from '../policies/lead';
import { isoOrNull } from '../util/time';
import { FollowUp } from './follow-up.entity';
import { presentFollowUp } from './follow-ups/presenters';
import { Lead, LEAD_STAGES } from './lead.entity';
import { maskPhone } from './presenters';
import { filteredLeads, tagsByLead } from './queries';
import { STAGE_LABELS } from './stages/transitions';
import { TimelineEntry } from './timeline-entry.entity';
import { countDigits } from '../privacy/phone-numbers';

/**
 * Leads as the mini-program shows them (docs/api.md, "Mini-program: leads"): a card per lead in
 * lists, and a lead's detail with what the member looking at it may do. Which leads a member
 * gets is the lead policy's answer (policies/lead.ts); nothing here decides it.
 */

/** Grades scoring gives (leads/scoring/compute-score.ts gradeFor). */
export const LEAD_GRADES = ['A', 'B', 'C'] as const;

/** How many follow-ups a detail carries; the rest page through GET /leads/:id/follow-ups. */
const DETAIL_FOLLOW_UPS = 20;

/** The label of a channel a lead came through, should its row be gone. */
const UNKNOWN_CHANNEL = '未知渠道';

export const leadCardListQuery = z.strictObject({
  scope: z.enum(['mine', 'pool', 'team']).default('mine'),
  grade: z.enum(LEAD_GRADES).optional(),
  stage: z.enum(LEAD_STAGES).optional(),
  channelId: idParam.optional(),
  tag: z.string().trim().min(1).max(64).optional(),
  /**
   * Name or remark. At most two digits: a search runs on the unmasked text, so "does 1398 match?"
   * would read a masked phone number digit by digit without a logged reveal.
   */
  q: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .refine((text) => countDigits(text) <= 2, '搜索词最多包含 2 个数字；按手机号查找请使用查看号码')
    .optional(),
  /** score: hottest first; next_step: the earliest planned next step first, leads without one last. */
  sort: z.enum(['score', 'next_step']).default('score'),
  limit: limitParam(50, 20),
  cursor: cursorParam,
});
export type LeadCardListQuery = z.infer<typeof leadCardListQuery>;

export function presentLeadCard(lead: Lead, tags: string[], channelNames: ReadonlyMap<number, string>) {
  return {
    id: lead.id,
    name: lead.name,
    avatar: lead.avatar,
    phone: maskPhone(lead.phone),
    grade: lead.grade,
    score: lead.score,
    stage: lead.stage,
    stageLabel: STAGE_LABELS[lead.stage],
    channel: lead.channelId !== null ? { id: lead.channelId, name: channelNames.get(lead.channelId) ?? UNKNOWN_CHANNEL } : null,
    tags,
    ownerUserId: lead.ownerUserId,
    inPool: lead.inPool,
    nextStepAt: isoOrNull(lead.nextStepAt),
    lastInteractionAt: isoOrNull(lead.lastInteractionAt),
  };
}
export type LeadCard = ReturnType<typeof presentLeadCard>;

async function channelNamesOf(ctx: AppContext, leads: Lead[]): Promise<Map<number, string>> {
  const ids = [...new Set(leads.map((l) => l.channelId).filter((id): id is number => id !== null))];
  if (!ids.length) return new Map();
  const rows = await ctx.dataSource.getRepository(Channel).find({ where: { id: In(ids) }, select: { id: true, name: true } });
  return new Map(rows.map((c) => [c.id, c.name]));
}

/** Cards for these leads, in their order: tags and channel names read once for all of them. */
export async function leadCards(ctx: AppContext, leads: Lead[]): Promise<LeadCard[]> {
  const [tags, channels] = await Promise.all([tagsByLead(ctx, leads.map((l) => l.id)), channelNamesOf(ctx, leads)]);
  return leads.map((lead) => presentLeadCard(lead, tags.get(lead.id) ?? [], channels));
}

export async function leadCard(ctx: AppContext, lead: Lead): Promise<LeadCard> {
  return (await leadCards(ctx, [lead]))[0];
}

/** Cursor tags: s = by score (sign, |score|, id of the last card), n = by next step (no step?, time, id). */
const BY_SCORE = 's';
const BY_NEXT_STEP = 'n';

/**
 * One page of the member's leads: the list scope the policy allows (mine, pool, team), the
 * filters, and the order, keyset-paginated so a page costs the same wherever it is.
 */
export async function listLeadCards(ctx: AppContext, scope: LeadScope, query: LeadCardListQuery) {
  const allowed = leadListSql(scope, query.scope as LeadListScope, 'l');
  const { grade, stage, channelId, tag, q } = query;
  const qb = filteredLeads(ctx.dataSource.manager, { grade, stage, channelId, tag, q, remarksOf: searchableRemarksOf(scope) }).andWhere(allowed.sql, allowed.params);
  if (query.sort === 'score') {
    if (query.cursor) {
      const [positive, magnitude, id] = decodeCursor(BY_SCORE, query.cursor, 3);
      const score = positive ? magnitude : -magnitude;
      qb.andWhere('(l.score < :cScore OR (l.score = :cScore AND l.id < :cId))', { cScore: score, cId: id });
    }
    qb.orderBy('l.score', 'DESC').addOrderBy('l.id', 'DESC');
  } else {
    if (query.cursor) {
      const [none, at, id] = decodeCursor(BY_NEXT_STEP, query.cursor, 3);
      if (none) qb.andWhere('(l.next_step_at IS NULL AND l.id > :cId)', { cId: id });
      else qb.andWhere('(l.next_step_at IS NULL OR l.next_step_at > :cAt OR (l.next_step_at = :cAt AND l.id > :cId))', { cAt: at, cId: id });
    }
    // Leads without a planned step come after every lead with one (NULLs sort first on both databases otherwise).
    qb.orderBy('CASE WHEN l.next_step_at IS NULL THEN 1 ELSE 0 END', 'ASC').addOrderBy('l.next_step_at', 'ASC').addOrderBy('l.id', 'ASC');
  }
  const rows = await qb.limit(query.limit + 1).getMany();
  const { page, nextCursor } = keysetPage(rows, query.limit, (last) =>
    query.sort === 'score'
      ? encodeCursor(BY_SCORE, [last.score >= 0 ? 1 : 0, Math.abs(last.score), last.id])
      : encodeCursor(BY_NEXT_STEP, [last.nextStepAt === null ? 1 : 0, last.nextStepAt ?? 0, last.id]),
  );
  return { items: await leadCards(ctx, page), nextCursor };
}

/**
 * A lead's detail for the member looking at it (the caller has authorized the view): its card,
 * profile, why it scores what it does, its whole timeline (newest first), its latest
 * follow-ups, and the actions the lead policy gives this member on it now.
 */
export async function presentLeadDetail(ctx: AppContext, scope: LeadScope, lead: Lead) {
  const [card, timeline, followUps] = await Promise.all([
    leadCard(ctx, lead),
    ctx.dataSource.getRepository(TimelineEntry).find({ where: { leadId: lead.id }, order: { occurredAt: 'DESC', id: 'DESC' } }),
    ctx.dataSource.getRepository(FollowUp).find({ where: { leadId: lead.id }, order: { id: 'DESC' }, take: DETAIL_FOLLOW_UPS }),
  ]);
  return {
    ...card,
    corpName: lead.corpName,
    gender: lead.gender,
    scoreBreakdown: (lead.scoreBreakdown ?? []).map((item) => ({ label: item.reason, points: item.points })),
    timeline: timeline.map((e) => ({ id: e.id, kind: e.kind, summary: e.summary, occurredAt: isoOrNull(e.occurredAt) })),
    followUps: followUps.map(presentFollowUp),
    actions: leadActions(scope, lead),
  };
}

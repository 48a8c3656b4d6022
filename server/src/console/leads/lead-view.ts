import { Brackets } from 'typeorm';
import type { AppContext } from '../../context';
import { presentLeadDetail } from '../../leads/cards';
import type { FollowUpKind } from '../../leads/follow-up.entity';
import { FOLLOW_UP_KIND_LABELS, outcomeLabel } from '../../leads/follow-ups/labels';
import { Lead } from '../../leads/lead.entity';
import { ALLOWED_TRANSITIONS, STAGE_LABELS } from '../../leads/stages/transitions';
import { memberNames } from '../../members/names';
import { mayDo, visibleLeadsSql, type LeadScope } from '../../policies/lead';
import { isoOrNull } from '../../util/time';
import { leadRows } from './lead-table';

/**
 * Timeline summaries name a member as actorName wrote them ("成员 sunqi查看了…"): the console
 * shows the member's name instead ("孙七查看了…"), so an operator reads who did it. Only that exact
 * token is replaced, and only for members the sync knows.
 */
const MEMBER_TOKEN = /成员 ([A-Za-z0-9_.@-]+)/g;

export function nameMembers(summary: string, names: ReadonlyMap<string, string>): string {
  return summary.replace(MEMBER_TOKEN, (whole, userId: string) => names.get(userId) ?? whole);
}

const membersIn = (summary: string) => [...summary.matchAll(MEMBER_TOKEN)].map((m) => m[1]);

/**
 * A lead as the console shows it (the caller authorized the view): the mini-program's detail —
 * card, profile, score breakdown, timeline (newest first), latest follow-ups, the member's
 * actions — with people by name, when it came, what else the member may do to it (reassign,
 * merge) and the stages it may move to.
 */
export async function leadView(ctx: AppContext, scope: LeadScope, lead: Lead) {
  const detail = await presentLeadDetail(ctx, scope, lead);
  const userIds = [
    ...(lead.ownerUserId ? [lead.ownerUserId] : []),
    ...detail.timeline.flatMap((e) => membersIn(e.summary ?? '')),
    ...detail.followUps.map((f) => f.userId),
  ];
  const names = await memberNames(ctx.dataSource.manager, userIds);
  const live = !lead.mergedIntoId;
  return {
    ...detail,
    createdAt: isoOrNull(lead.createdAt),
    qualification: lead.qualification,
    scoredAt: isoOrNull(lead.scoredAt),
    ownerName: lead.ownerUserId ? (names.get(lead.ownerUserId) ?? lead.ownerUserId) : null,
    timeline: detail.timeline.map((e) => ({ ...e, summary: nameMembers(e.summary ?? '', names) })),
    followUps: detail.followUps.map((f) => ({ ...f, userName: names.get(f.userId) ?? f.userId, kindLabel: FOLLOW_UP_KIND_LABELS[f.kind as FollowUpKind] ?? '跟进', outcomeLabel: f.outcome ? outcomeLabel(f.outcome) : null })),
    actions: { ...detail.actions, canReassign: live && mayDo(scope, lead, 'reassign'), canMerge: live && mayDo(scope, lead, 'merge') },
    nextStages: ALLOWED_TRANSITIONS[lead.stage].map((stage) => ({ stage, label: STAGE_LABELS[stage] })),
  };
}

/**
 * Live leads the member may see that share a phone, unionid or email with this one: what a merge
 * would most likely be asked for. At most 20, newest first.
 */
export async function duplicatesOf(ctx: AppContext, scope: LeadScope, lead: Lead) {
  const keys = [
    ['phone', lead.phone],
    ['unionid', lead.unionid],
    ['email', lead.email],
  ].filter((k): k is [string, string] => !!k[1]);
  if (!keys.length) return [];
  const allowed = visibleLeadsSql(scope, 'l');
  const rows = await ctx.dataSource
    .getRepository(Lead)
    .createQueryBuilder('l')
    .where('l.merged_into_id IS NULL AND l.id <> :self', { self: lead.id })
    .andWhere(new Brackets((b) => keys.forEach(([column, value], i) => b.orWhere(`l.${column} = :dup${i}`, { [`dup${i}`]: value }))))
    .andWhere(allowed.sql, allowed.params)
    .orderBy('l.id', 'DESC')
    .limit(20)
    .getMany();
  return leadRows(ctx, rows);
}

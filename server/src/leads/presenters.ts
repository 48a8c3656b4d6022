import type { Lead } from './lead.entity';
import type { LeadRelation } from './lead-relation.entity';
import type { TimelineEntry } from './timeline-entry.entity';
import { isoOrNull } from '../util/time';

/** 138****5678: phone numbers are masked in every API reply (PIPL); reveals are a separate, logged action. */
export function maskPhone(phone: string | null): string | null {
  if (!phone) return null;
  const digits = phone.replace(/\s+/g, '');
  if (digits.length < 7) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
}

export function presentLead(lead: Lead, tags: string[]) {
  return {
    id: lead.id,
    externalUserId: lead.externalUserId,
    name: lead.name,
    avatar: lead.avatar,
    phone: maskPhone(lead.phone),
    corpName: lead.corpName,
    ownerUserId: lead.ownerUserId,
    channelId: lead.channelId,
    attribution: lead.channelId ? 'channel' : 'organic',
    source: lead.source,
    addWay: lead.addWay,
    tags,
    stage: lead.stage,
    score: lead.score,
    grade: lead.grade,
    qualification: lead.qualification,
    createdAt: isoOrNull(lead.createdAt),
    updatedAt: isoOrNull(lead.updatedAt),
    lastInteractionAt: isoOrNull(lead.lastInteractionAt),
  };
}

/** Why the score is what it is: for a lead's detail view. */
export function presentScoring(lead: Lead) {
  return { attributes: lead.attributes ?? {}, scoreBreakdown: lead.scoreBreakdown ?? [], scoredAt: isoOrNull(lead.scoredAt), hotAlertedAt: isoOrNull(lead.hotAlertedAt) };
}

export function presentRelation(r: LeadRelation) {
  return {
    userId: r.userId,
    status: r.status,
    channelId: r.channelId,
    state: r.state,
    addWay: r.addWay,
    remark: r.remark,
    lostReason: r.lostReason,
    addedAt: isoOrNull(r.addedAt),
    lostAt: isoOrNull(r.lostAt),
  };
}

export function presentTimelineEntry(e: TimelineEntry) {
  return { id: e.id, kind: e.kind, summary: e.summary, data: e.data, occurredAt: isoOrNull(e.occurredAt) };
}

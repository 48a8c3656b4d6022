import type { EntityManager } from 'typeorm';
import { maskPhone } from '../leads/presenters';
import { captureLead, CaptureResult } from './capture-lead';
import { FieldProblem, normalizeIdentity } from './contact-fields';

export type ContactInfoSource = 'form' | 'import';

/** A person as a web form or an imported row describes them. */
export interface ContactInfo {
  name?: string | null;
  phone?: string | null;
  email?: string | null;
  unionid?: string | null;
  externalUserId?: string | null;
  corpName?: string | null;
  attributes?: Record<string, string | number | boolean> | null;
  source: ContactInfoSource;
  /** Form key or import source name: shown in the timeline and stored on the activity. */
  sourceDetail?: string | null;
  /** A free-text message or note from the row or form, shown in the timeline. */
  note?: string | null;
  /** Extra data for the timeline entry (never a full phone number). */
  timelineData?: Record<string, unknown>;
  occurredAt?: number;
}

export class InvalidContactError extends Error {
  constructor(public readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.code}`).join(', '));
    this.name = 'InvalidContactError';
  }
}

const ACTIVITY_KIND: Record<ContactInfoSource, string> = { form: 'form_submit', import: 'import' };

/**
 * A web-form submission or an imported row, captured (capture-lead.ts): its identity validated
 * and normalised first (a lead needs a phone, email or unionid),
 * known fields never overwritten, only missing ones filled. A form never merges leads; an
 * import (an operator's list) may. Keyed by `dedupKey`, so the same submission or row
 * captured again adds nothing twice.
 */
export function captureContactInfo(manager: EntityManager, info: ContactInfo, dedupKey: string): Promise<CaptureResult> {
  // A public form is anonymous: what it says may find a lead (a WeChat H5 page passes the
  // visitor's unionid, so a later WeCom add lands on the same lead), but never merge two.
  const anonymous = info.source === 'form';
  const { identity, problems } = normalizeIdentity(info);
  if (problems.length) throw new InvalidContactError(problems);
  return captureLead(manager, {
    source: info.source,
    key: dedupKey,
    occurredAt: info.occurredAt ?? Date.now(),
    identity: { ...identity, externalUserId: info.externalUserId },
    profile: { name: info.name, corpName: info.corpName, attributes: info.attributes },
    isInteraction: info.source === 'form',
    // Anonymous input attaches to one lead at most; it never merges two (see captureLead).
    mayMerge: !anonymous,
    timeline: (created, mergedLeadIds) => ({
      kind: info.source === 'form' ? 'form.submitted' : 'import.row',
      summary: timelineSummary(info, created),
      data: {
        source: info.source,
        sourceDetail: info.sourceDetail ?? null,
        phone: maskPhone(identity.phone),
        mergedLeadIds,
        ...(info.note ? { note: info.note.slice(0, 500) } : {}),
        ...(info.timelineData ?? {}),
      },
      dedupKey: `${dedupKey}:timeline`,
    }),
    activity: { kind: ACTIVITY_KIND[info.source], value: info.sourceDetail ?? null, dedupKey: `${dedupKey}:activity` },
  });
}

function timelineSummary(info: ContactInfo, created: boolean): string {
  const detail = info.sourceDetail ? `「${info.sourceDetail}」` : '';
  const note = info.note?.trim() ? `，${info.source === 'form' ? '留言' : '备注'}：${info.note.trim().slice(0, 200)}` : '';
  if (info.source === 'form') return `${created ? '新线索：' : ''}提交了网页表单${detail}${note}`;
  return created ? `新线索：从名单${detail}导入${note}` : `名单${detail}导入时匹配到该线索，已补充缺失的资料${note}`;
}

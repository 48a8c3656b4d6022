import type { EntityManager } from 'typeorm';
import { publishEvent } from '../../events/publish';
import { enqueueJob, PRIORITY } from '../../jobs/enqueue';
import type { Lead } from '../../leads/lead.entity';
import { LeadTag } from '../../leads/lead-tag.entity';
import { addLeadTags } from '../../leads/lead-tags';
import { recordActivity } from '../../leads/scoring/record-activity';
import { SCORE_ADJUSTMENT_KIND, scoreAdjustmentValue } from '../../leads/scoring/compute-score';
import { leadTaggedEvent } from '../../leads/tags/lead-tagged-event';
import { PUSH_TAGS_JOB, type PushTagsPayload } from '../../leads/tags/push-tags-job';
import { addTimelineEntry } from '../../leads/timeline';
import { CorpTag } from '../../tags/corp-tag.entity';
import { utf8Truncate } from '../../util/utf8';
import type { Sequence, SequenceAction } from '../sequences/schema';
import { REMIND_TEXT_MAX_BYTES } from '../sequences/schema';
import type { StepRunStatus } from './step-run.entity';

/** The lead fields a step reads. */
export type StepLead = Pick<Lead, 'id' | 'name' | 'ownerUserId' | 'externalUserId' | 'grade' | 'stage' | 'channelId' | 'mergedIntoId'>;

export interface StepContext {
  manager: EntityManager;
  lead: StepLead;
  sequence: Sequence;
  stepIndex: number;
  /** `<enrollment>:<step index>`: keys every row the step writes, so nothing is written twice. */
  runKey: string;
  at: number;
}

export interface StepOutcome {
  status: StepRunStatus;
  detail: string | null;
}

const stepLabel = (c: StepContext) => `培育序列「${c.sequence.name}」第 ${c.stepIndex + 1} 步`;
const leadLabel = (lead: StepLead) => `客户「${lead.name || '未命名客户'}」#${lead.id}`;

/** A WeCom app message to the lead's owner; `no_recipient` when the lead has none (e.g. in the pool). */
async function noticeToOwner(c: StepContext, content: string, timelineSummary: string, status: StepRunStatus): Promise<StepOutcome> {
  const owner = c.lead.ownerUserId;
  if (!owner) return { status: 'no_recipient', detail: 'no_owner' };
  await enqueueJob(c.manager, {
    kind: 'notify_rep',
    dedupKey: `nurture:${c.runKey}`,
    payload: { leadId: c.lead.id, userId: owner, content: utf8Truncate(content, REMIND_TEXT_MAX_BYTES), timelineSummary },
    priority: PRIORITY.notice,
  });
  return { status, detail: null };
}

/** remind_rep: the step's text to the owner, named by customer and step so reminders stay distinct for WeCom's duplicate check. */
export function remindRep(c: StepContext, text: string): Promise<StepOutcome> {
  return noticeToOwner(c, `【培育提醒】${leadLabel(c.lead)}：${text}（${stepLabel(c)}）`, `${stepLabel(c)}：已提醒负责人 ${c.lead.ownerUserId}`, 'done');
}

/** What a push says, as a rep can paste it: the text, then each attachment as a line. */
export function pushAsText(action: Extract<SequenceAction, { type: 'push_content' }>): string {
  const lines = action.text ? [action.text.content] : [];
  for (const a of action.attachments ?? []) {
    if (a.msgtype === 'link') lines.push(`链接：${a.link.title} ${a.link.url}`);
    else if (a.msgtype === 'image') lines.push(a.image.pic_url ? `图片：${a.image.pic_url}` : '图片（素材库）');
    else lines.push(`小程序：${a.miniprogram.title}`);
  }
  return lines.join('\n');
}

/**
 * The budget is spent and the step says so: the rep sends the content by hand in the chat (a
 * rep's own message is not a corp mass message and uses no budget).
 */
export function repTask(c: StepContext, action: Extract<SequenceAction, { type: 'push_content' }>, reason: string): Promise<StepOutcome> {
  const content = `【培育·请手动发送】${leadLabel(c.lead)}本期群发额度已用完，${stepLabel(c)}改由你在聊天中手动发送：\n${pushAsText(action)}`;
  return noticeToOwner(c, content, `${stepLabel(c)}：群发额度已用完，已请负责人 ${c.lead.ownerUserId} 手动发送`, 'rep_task').then((o) =>
    o.status === 'rep_task' ? { status: 'rep_task', detail: reason } : o,
  );
}

/** add_tag: on the lead (as the WeCom corp tag when one has the name, pushed to WeCom by the tag job), and lead.tagged. */
export async function addTag(c: StepContext, name: string): Promise<StepOutcome> {
  const existing = await c.manager.getRepository(LeadTag).findOneBy({ leadId: c.lead.id, name });
  if (existing) return { status: 'done', detail: 'had_tag' };
  const corpTag = await c.manager.getRepository(CorpTag).findOne({ where: { name, deleted: false }, order: { id: 'ASC' } });
  await addLeadTags(c.manager, [{ leadId: c.lead.id, name, tagId: corpTag?.id ?? null, source: 'nurture' }], c.at);
  await addTimelineEntry(c.manager, {
    leadId: c.lead.id,
    kind: 'tags.edited',
    summary: `${stepLabel(c)}添加了标签「${name}」`,
    data: { by: 'nurture', added: [name], removed: [] },
    dedupKey: `nurture:${c.runKey}:tag`,
    occurredAt: c.at,
  });
  if (corpTag) await pushTags(c, name);
  await publishEvent(c.manager, leadTaggedEvent({ leadId: c.lead.id, tags: [name], source: 'nurture', cause: `nurture:${c.runKey}`, at: c.at }));
  return { status: 'done', detail: null };
}

/** remove_tag: off the lead (and off the customer in WeCom when it is a corp tag). */
export async function removeTag(c: StepContext, name: string): Promise<StepOutcome> {
  const existing = await c.manager.getRepository(LeadTag).findOneBy({ leadId: c.lead.id, name });
  if (!existing) return { status: 'done', detail: 'had_no_tag' };
  await c.manager.getRepository(LeadTag).delete({ id: existing.id });
  await addTimelineEntry(c.manager, {
    leadId: c.lead.id,
    kind: 'tags.edited',
    summary: `${stepLabel(c)}移除了标签「${name}」`,
    data: { by: 'nurture', added: [], removed: [name] },
    dedupKey: `nurture:${c.runKey}:tag`,
    occurredAt: c.at,
  });
  if (existing.tagId) await pushTags(c, name);
  return { status: 'done', detail: null };
}

async function pushTags(c: StepContext, name: string): Promise<void> {
  if (!c.lead.externalUserId) return;
  const payload: PushTagsPayload = { leadId: c.lead.id, externalUserId: c.lead.externalUserId, tagNames: [name] };
  await enqueueJob(c.manager, { kind: PUSH_TAGS_JOB, dedupKey: `nurture:${c.runKey}:push-tags`, payload: { ...payload }, priority: PRIORITY.tagging });
}

/** change_score: an adjustment activity the scorer adds as given (compute-score.ts), then a re-score. */
export async function changeScore(c: StepContext, points: number, reason: string): Promise<StepOutcome> {
  await recordActivity(c.manager, {
    leadId: c.lead.id,
    kind: SCORE_ADJUSTMENT_KIND,
    value: scoreAdjustmentValue(points, reason),
    data: { sequenceKey: c.sequence.key, stepIndex: c.stepIndex },
    dedupKey: `nurture:${c.runKey}`,
    occurredAt: c.at,
  });
  await addTimelineEntry(c.manager, {
    leadId: c.lead.id,
    kind: 'score.adjusted',
    summary: `${stepLabel(c)}：评分${points > 0 ? '加' : '减'} ${Math.abs(points)} 分（${reason}）`,
    data: { points, reason, sequenceKey: c.sequence.key },
    dedupKey: `nurture:${c.runKey}:score`,
    occurredAt: c.at,
  });
  return { status: 'done', detail: null };
}

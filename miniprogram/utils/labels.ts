import type { FollowUpKind } from './types';

/** The same words the server writes on the timeline (server/src/leads/follow-ups/labels.ts). */
export const FOLLOW_UP_KINDS: { value: FollowUpKind; label: string }[] = [
  { value: 'call', label: '电话' },
  { value: 'visit', label: '拜访' },
  { value: 'wecom_chat', label: '企微沟通' },
  { value: 'note', label: '备注' },
];

export const OUTCOMES: { value: string; label: string }[] = [
  { value: 'interested', label: '有意向' },
  { value: 'no_answer', label: '未接通' },
  { value: 'not_interested', label: '无意向' },
  { value: 'meeting_booked', label: '已约见' },
  { value: 'quoted', label: '已报价' },
  { value: 'callback_requested', label: '约定回电' },
];

export const kindLabel = (kind: string) => FOLLOW_UP_KINDS.find((k) => k.value === kind)?.label ?? '跟进';
/** Outcome codes the mini-program does not know are shown as 其他结果, never as the raw code. */
export const outcomeLabel = (outcome: string | null) =>
  outcome ? OUTCOMES.find((o) => o.value === outcome)?.label ?? '其他结果' : '';

export const GENDER_LABELS: Record<string, string> = { '0': '未知', '1': '男', '2': '女' };

/** Scoring grades leads A, B or C (the server refuses any other grade filter). */
export const GRADES = ['A', 'B', 'C'];

import type { FollowUpKind } from '../follow-up.entity';

export const FOLLOW_UP_KIND_LABELS: Readonly<Record<FollowUpKind, string>> = {
  call: '电话',
  visit: '拜访',
  wecom_chat: '企微沟通',
  note: '备注',
};

/** Known outcome codes; other codes are shown as they are. */
export const OUTCOME_LABELS: Readonly<Record<string, string>> = {
  interested: '有意向',
  no_answer: '未接通',
  not_interested: '无意向',
  meeting_booked: '已约见',
  quoted: '已报价',
  callback_requested: '约定回电',
};

export const outcomeLabel = (outcome: string) => OUTCOME_LABELS[outcome] ?? outcome;

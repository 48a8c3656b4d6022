import type { ExitReason } from '../sequences/schema';

/**
 * Why a lead was enrolled: the trigger that matched, with what it named. Tag-added and score-band
 * enrollments have no domain event to start from yet; enrollLead takes them already.
 */
export type EnrollReason =
  | { type: 'channel_capture'; channelId: number; channelName: string | null }
  | { type: 'tag_added'; tag: string }
  | { type: 'score_band'; grade: string }
  | { type: 'manual'; by: string };

/** Why an enrollment ended: a sequence's exit (schema EXIT_REASONS) or an admin's hand. */
export type EnrollmentExitReason = ExitReason | 'manual';

/** What the enrollment row keeps of the reason besides its type. */
export function reasonDetail(reason: EnrollReason): string | null {
  switch (reason.type) {
    case 'channel_capture':
      return (reason.channelName ?? `#${reason.channelId}`).slice(0, 128);
    case 'tag_added':
      return reason.tag.slice(0, 128);
    case 'score_band':
      return reason.grade;
    case 'manual':
      return reason.by.slice(0, 128);
  }
}

/** The reason as reps read it on the timeline. */
export function enrollReasonText(reason: EnrollReason): string {
  switch (reason.type) {
    case 'channel_capture':
      return reason.channelName ? `通过渠道「${reason.channelName}」添加` : `通过渠道 #${reason.channelId} 添加`;
    case 'tag_added':
      return `获得标签「${reason.tag}」`;
    case 'score_band':
      return `评级变为 ${reason.grade} 类`;
    case 'manual':
      return '管理员手动加入';
  }
}

export const EXIT_REASON_TEXT: Readonly<Record<EnrollmentExitReason, string>> = {
  customer_reply: '客户已回复',
  reached_sql: '已确认意向（SQL）',
  won: '已成交',
  lost: '已流失',
  customer_deleted_rep: '客户已删除员工',
  opt_out_keyword: '客户发送了退订关键词',
  sequence_end: '序列已结束',
  manual: '管理员手动退出',
};

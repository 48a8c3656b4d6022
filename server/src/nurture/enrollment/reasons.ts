import type { ExitReason } from '../sequences/schema';

/**
 * Why a lead was enrolled: the trigger that matched, with what it named. Tag-added and score-band
 * enrollments have no domain event to start from yet; enrollLead takes them already.
 */
export type EnrollReason =
  | { type: 'channel_capture'; channelId: number; channelName: string | null }
  | { type: 'tag_added'; tag: string }
  | { type: 'score_band'; grade: string }
  /** `by`: the member's userid, or 'admin' for the admin token; `name`: the member's name when known. */
  | { type: 'manual'; by: string; name?: string | null };

/** Why an enrollment ended: a sequence's exit (schema EXIT_REASONS) or someone's hand (an admin, a rep). */
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

/**
 * The reason back from an enrollment row (`reason` and `reason_detail`, as reasonDetail wrote
 * them), for lists that show it; `name` is the member's name for a hand enrollment. Null for a
 * trigger this code does not know.
 */
export function reasonOfRow(row: { reason: string; reasonDetail: string | null }, name?: string | null): EnrollReason | null {
  const detail = row.reasonDetail ?? '';
  switch (row.reason) {
    case 'channel_capture': {
      // A channel without a name was kept as "#<id>".
      const id = /^#(\d+)$/.exec(detail);
      return id ? { type: 'channel_capture', channelId: Number(id[1]), channelName: null } : { type: 'channel_capture', channelId: 0, channelName: detail };
    }
    case 'tag_added':
      return { type: 'tag_added', tag: detail };
    case 'score_band':
      return { type: 'score_band', grade: detail };
    case 'manual':
      return { type: 'manual', by: detail, name };
    default:
      return null;
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
      return `${byHandText(reason.by, reason.name)}手动加入`;
  }
}

/**
 * Who did something by hand, as reps read it: 管理员 for the admin token, else the member by name
 * (as the member sync last saw it), or by userid when the name is not known.
 */
export function byHandText(by: string, name?: string | null): string {
  if (name) return name;
  return by === 'admin' ? '管理员' : `成员 ${by} `;
}

/** The exit as the timeline says it: a hand exit names who, when the caller says who. */
export function exitReasonText(reason: EnrollmentExitReason, by?: { userId: string; name?: string | null }): string {
  return reason === 'manual' && by ? `${byHandText(by.userId, by.name)}手动退出` : EXIT_REASON_TEXT[reason];
}

/** An exit reason in a list of enrollments: the row does not keep who ended it by hand. */
export function storedExitReasonText(reason: string | null): string | null {
  if (reason === null) return null;
  if (reason === 'manual') return '手动退出';
  return EXIT_REASON_TEXT[reason as EnrollmentExitReason] ?? '已退出';
}

export const EXIT_REASON_TEXT: Readonly<Record<EnrollmentExitReason, string>> = {
  customer_reply: '客户已回复',
  reached_sql: '客户已确认意向',
  won: '已成交',
  lost: '已流失',
  customer_deleted_rep: '客户已删除员工',
  opt_out_keyword: '客户发送了退订关键词',
  sequence_end: '序列已结束',
  manual: '管理员手动退出',
};

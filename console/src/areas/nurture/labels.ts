import type { ActionType, ChannelChoice, ChannelRef, Trigger } from './types';

/** What the nurture pages call things, in Chinese: every code the API sends has its text here. */

export const TRIGGER_TEXT: Record<Trigger['type'], string> = {
  channel_capture: '扫渠道活码添加',
  tag_added: '获得标签',
  score_band: '评分等级变为',
  manual: '手动加入',
};

export const ACTION_TEXT: Record<ActionType, string> = {
  push_content: '推送内容',
  remind_rep: '提醒销售',
  add_tag: '添加标签',
  remove_tag: '移除标签',
  change_score: '调整评分',
};

export const EXIT_TEXT: Record<string, string> = {
  customer_reply: '客户回复',
  reached_sql: '客户已确认意向',
  won: '已成交',
  lost: '已流失',
  customer_deleted_rep: '客户删除员工',
  opt_out_keyword: '客户发送退订关键词',
  sequence_end: '序列结束',
  manual: '手动退出',
};
/** Every sequence exits on these (the server refuses a sequence without them). */
export const REQUIRED_EXITS = ['customer_deleted_rep', 'sequence_end'];
export const EXIT_REASONS = ['customer_reply', 'reached_sql', 'won', 'lost', 'customer_deleted_rep', 'opt_out_keyword', 'sequence_end'];

export const SOURCE_TEXT: Record<string, string> = { file: '配置文件', override: '配置文件（已在后台修改）', database: '后台创建' };

export const WHEN_BUDGET_SPENT_TEXT: Record<string, string> = { wait: '等待额度恢复（默认）', skip: '跳过此步', rep_task: '交给销售在聊天中手动发送' };

export const SKIP_TEXT: Record<string, string> = {
  condition: '不满足条件',
  corp_budget_spent: '企业群发额度已用完',
  monthly_cap: '超过每月上限',
  exited: '已退出序列',
};

export const STATUS_TEXT: Record<string, string> = { active: '培育中', exited: '已退出', completed: '已完成' };

export const CORP_RULE_TEXT: Record<string, string> = { month: '每月（当月天数）', week: '每周 7 条', day: '每天 1 条' };

export const STAGE_TEXT: Record<string, string> = { new: '新线索', contacted: '已联系', qualified: '已确认意向', opportunity: '商机', won: '已成交', lost: '已流失' };
export const GRADES = ['A', 'B', 'C'];

/** "3 天 2 小时后" from minutes. */
export function durationText(minutes: number): string {
  if (minutes === 0) return '立即';
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d} 天` : '', h ? `${h} 小时` : '', m ? `${m} 分钟` : ''].filter(Boolean).join(' ');
}

export function delayText(from: string, minutes: number): string {
  const base = from === 'enrollment' ? '加入培育' : '上一步';
  return minutes === 0 ? `${base}后立即` : `${base}后 ${durationText(minutes)}`;
}

export function channelName(ref: ChannelRef, channels: ChannelChoice[]): string {
  const found = 'id' in ref ? channels.find((c) => c.id === ref.id) : channels.find((c) => c.state === ref.state);
  if (found) return `「${found.name}」${found.deleted ? '（已删除）' : ''}`;
  return '（渠道不存在）';
}

export function triggerText(t: Trigger, channels: ChannelChoice[]): string {
  switch (t.type) {
    case 'channel_capture':
      return `扫渠道活码${channelName(t.channel, channels)}添加`;
    case 'tag_added':
      return `获得标签「${t.tag}」`;
    case 'score_band':
      return `评分等级变为 ${t.grade} 级`;
    case 'manual':
      return '手动加入';
  }
}

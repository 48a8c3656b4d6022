import { In } from 'typeorm';
import type { AppContext } from '../context';
import type { AuditLog } from '../audit/audit-log.entity';
import { Channel } from '../channels/channel.entity';
import { Lead } from '../leads/lead.entity';
import { MERGE_REASON_LABEL, type MergeReason } from '../leads/merge/merge-leads';
import { STAGE_LABELS } from '../leads/stages/transitions';
import { memberNames } from '../members/names';
import { isoOrNull } from '../util/time';

/** Every audit action as the console names it; an action added later without a label reads 其他操作. */
export const AUDIT_ACTION_LABELS: Record<string, string> = {
  'phone.reveal': '查看手机号',
  export: '导出线索',
  'lead.reassign': '改派线索',
  'lead.merge': '合并线索',
  'nurture.enroll': '加入培育',
  'nurture.exit': '停止培育',
  'nurture.sequence': '修改培育序列',
  'nurture.budget': '修改消息额度',
  'channel.create': '创建渠道',
  'channel.update': '修改渠道',
  'settings.team': '修改团队',
  'settings.member': '修改成员角色',
  'settings.assignment': '修改分配规则',
  'settings.scoring': '修改评分规则',
  'settings.pool': '修改公海设置',
  'queue.replay': '重放失败任务',
};
const OTHER_ACTION = '其他操作';

/** The admin token's rows: a machine integration, not a person. */
const ADMIN_TOKEN_NAME = '管理员（接口令牌）';

const FILTER_LABELS: Record<string, (v: unknown, names: ReadonlyMap<string, string>, channels: ReadonlyMap<number, string>) => string> = {
  q: (v) => `搜索「${String(v)}」`,
  stage: (v) => `阶段：${STAGE_LABELS[v as keyof typeof STAGE_LABELS] ?? String(v)}`,
  grade: (v) => `等级：${String(v)}`,
  channelId: (v, _n, channels) => `渠道：${channels.get(Number(v)) ?? `#${String(v)}`}`,
  ownerUserId: (v, names) => `负责人：${names.get(String(v)) ?? String(v)}`,
  tag: (v) => `标签：${String(v)}`,
  inPool: (v) => (v ? '仅公海' : '不含公海'),
};

/** What an export, a reassignment or a merge covered, as a sentence; other rows say it in their purpose. */
function describe(row: AuditLog, names: ReadonlyMap<string, string>, channels: ReadonlyMap<number, string>): string | null {
  const d = (row.detail ?? {}) as Record<string, unknown>;
  const who = (userId: unknown) => (typeof userId === 'string' ? (names.get(userId) ?? userId) : '公海');
  switch (row.action) {
    case 'export': {
      const filter = (d.filter ?? {}) as Record<string, unknown>;
      const parts = Object.entries(filter)
        .filter(([key, value]) => value !== undefined && FILTER_LABELS[key])
        .map(([key, value]) => FILTER_LABELS[key](value, names, channels));
      return `共 ${Number(d.rowCount ?? 0)} 条；筛选：${parts.length ? parts.join('，') : '全部线索'}`;
    }
    case 'lead.reassign':
      return `从 ${who(d.fromUserId)} 改派给 ${who(d.toUserId)}`;
    case 'lead.merge':
      return `线索 #${String(d.mergedLeadId)} 合并到 #${String(d.keptLeadId)}（依据：${MERGE_REASON_LABEL[d.reason as MergeReason] ?? '人工合并'}）`;
    default:
      return null;
  }
}

/**
 * Audit rows as the console's audit log shows them: who by name (孙七, not a userid), the action
 * in Chinese, the lead by name, and for exports, reassignments and merges what they covered.
 */
export async function presentConsoleAuditRows(ctx: AppContext, rows: AuditLog[]) {
  const userIds = new Set<string>();
  const channelIds = new Set<number>();
  for (const row of rows) {
    userIds.add(row.actorUserId);
    const d = (row.detail ?? {}) as Record<string, unknown>;
    for (const key of ['fromUserId', 'toUserId'] as const) if (typeof d[key] === 'string') userIds.add(d[key] as string);
    const filter = (d.filter ?? {}) as Record<string, unknown>;
    if (typeof filter.ownerUserId === 'string') userIds.add(filter.ownerUserId);
    if (typeof filter.channelId === 'number') channelIds.add(filter.channelId);
  }
  const leadIds = [...new Set(rows.map((r) => r.leadId).filter((id): id is number => id !== null))];
  const [names, leads, channels] = await Promise.all([
    memberNames(ctx.dataSource.manager, [...userIds]),
    leadIds.length ? ctx.dataSource.getRepository(Lead).find({ where: { id: In(leadIds) }, select: { id: true, name: true } }) : [],
    channelIds.size ? ctx.dataSource.getRepository(Channel).find({ where: { id: In([...channelIds]) }, select: { id: true, name: true } }) : [],
  ]);
  const leadNames = new Map(leads.map((l) => [l.id, l.name]));
  const channelNames = new Map(channels.map((c) => [c.id, c.name]));
  return rows.map((row) => ({
    id: row.id,
    action: row.action,
    actionLabel: AUDIT_ACTION_LABELS[row.action] ?? OTHER_ACTION,
    actorUserId: row.actorUserId,
    actorName: row.actorUserId === 'admin' ? ADMIN_TOKEN_NAME : (names.get(row.actorUserId) ?? row.actorUserId),
    leadId: row.leadId,
    leadName: row.leadId !== null ? (leadNames.get(row.leadId) ?? null) : null,
    purpose: row.purpose,
    description: describe(row, names, channelNames),
    at: isoOrNull(row.at),
  }));
}

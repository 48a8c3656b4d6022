import type { Channel, Condition, Role } from './types';

/** What an operator reads for the codes the settings API speaks. */

export const ROLE_LABELS: Record<Role, string> = { admin: '管理员', manager: '主管', rep: '销售', store_staff: '门店店员' };
export const ROLE_ORDER: Role[] = ['admin', 'manager', 'rep', 'store_staff'];
export const STATUS_LABELS: Record<string, string> = { active: '在职', disabled: '已停用', left: '已离职' };

/** Fields an assignment rule can look at; any other name is a lead attribute. */
export const CONDITION_FIELDS: Array<{ value: string; label: string }> = [
  { value: 'region', label: '地区' },
  { value: 'industry', label: '行业' },
  { value: 'productLine', label: '产品线' },
  { value: 'channelId', label: '渠道' },
  { value: 'tag', label: '标签' },
  { value: 'source', label: '来源' },
];
export const OP_LABELS: Record<Condition['op'], string> = { eq: '等于', in: '属于', contains: '包含' };
export const SOURCE_OPTIONS: Array<{ value: string; label: string }> = [
  { value: 'wecom', label: '企业微信添加' },
  { value: 'group', label: '客户群' },
  { value: 'form', label: '网页表单' },
  { value: 'import', label: '批量导入' },
  { value: 'store', label: '门店登记' },
];

export function fieldLabel(field: string): string {
  return CONDITION_FIELDS.find((f) => f.value === field)?.label ?? ATTRIBUTE_LABELS[field] ?? `属性「${field}」`;
}

/** One condition as a sentence: 地区 属于 上海、江苏. */
export function conditionText(c: Condition, channels: Channel[]): string {
  const one = (v: string | number) => {
    if (c.field === 'channelId') return channels.find((ch) => String(ch.id) === String(v))?.name ?? `已删除的渠道`;
    if (c.field === 'source') return SOURCE_OPTIONS.find((s) => s.value === String(v))?.label ?? String(v);
    return String(v);
  };
  const values = Array.isArray(c.value) ? c.value.map(one).join('、') : one(c.value);
  return `${fieldLabel(c.field)} ${OP_LABELS[c.op]} ${values}`;
}

/** Lead attributes scoring rules read, by the names the imports and forms use. */
export const ATTRIBUTE_LABELS: Record<string, string> = {
  industry: '行业',
  companySize: '企业规模',
  region: '地区',
  budget: '预算',
  productLine: '产品线',
  isDecisionMaker: '是否决策人',
};
export const attributeLabel = (field: string) => ATTRIBUTE_LABELS[field] ?? field;

/** Activity kinds behaviour rules count. */
export const BEHAVIOUR_KINDS: Array<{ value: string; label: string }> = [
  { value: 'channel', label: '扫描渠道活码添加' },
  { value: 'group_join', label: '加入客户群' },
  { value: 'intent_keyword', label: '聊天中的意向关键词' },
  { value: 'customer_reply', label: '客户回复消息' },
  { value: 'follow_up_outcome', label: '跟进结果' },
  { value: 'page_view', label: '浏览网页' },
  { value: 'content_view', label: '阅读内容' },
  { value: 'form_submit', label: '提交表单' },
];
export const behaviourLabel = (kind: string) => BEHAVIOUR_KINDS.find((k) => k.value === kind)?.label ?? `自定义行为「${kind}」`;
export const MATCH_LABELS: Record<string, string> = { exact: '完全一致', prefix: '开头是', contains: '包含' };

/** Follow-up outcomes (server/src/leads/follow-ups/labels.ts) as behaviour values. */
export const OUTCOME_LABELS: Record<string, string> = {
  interested: '有意向',
  no_answer: '未接通',
  not_interested: '无意向',
  meeting_booked: '已约见',
  quoted: '已报价',
  callback_requested: '约定回电',
};
export const valueLabel = (v: string | number | boolean) => (typeof v === 'boolean' ? (v ? '是' : '否') : (OUTCOME_LABELS[String(v)] ?? String(v)));

export const GRADE_LABELS: Record<string, string> = { A: 'A 级', B: 'B 级', C: 'C 级' };

/** Hours as an operator says them: 48 小时 (2 天). */
export function hoursText(hours: number | null | undefined, fallback = '跟随公海设置'): string {
  if (hours === null || hours === undefined) return fallback;
  return hours % 24 === 0 && hours >= 24 ? `${hours} 小时（${hours / 24} 天）` : `${hours} 小时`;
}

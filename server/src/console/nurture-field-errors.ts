import type { ZodError } from 'zod';
import { HttpError } from '../http/errors';
import { STAGE_LABELS } from '../leads/stages/transitions';

/**
 * The console shows a bad nurture sequence or budget setting beside the field that is wrong, in
 * Chinese. The schemas (nurture/sequences/schema.ts, budget-settings.ts) speak English to the
 * admin API's integrators; this turns their issues into `{ path, label, message }` — the path
 * the form looks fields up by, the field's Chinese name, and what is wrong with it — without
 * touching the schemas.
 */
export interface ConsoleFieldError {
  /** As the admin API's `fields[].path`: "steps.0.action.text.content". */
  path: string;
  /** Where, in Chinese: "第 1 步 · 推送文字". */
  label: string;
  message: string;
}

/** Chinese names of the enum values the schemas accept. */
const VALUE_TEXT: Record<string, string> = {
  channel_capture: '扫渠道活码添加',
  tag_added: '获得标签',
  score_band: '评分等级变化',
  manual: '手动加入',
  push_content: '推送内容',
  remind_rep: '提醒销售',
  add_tag: '添加标签',
  remove_tag: '移除标签',
  change_score: '调整评分',
  enrollment: '加入培育时',
  previous_step: '上一步执行后',
  wait: '等待额度恢复',
  skip: '跳过此步',
  rep_task: '交给销售手动发送',
  customer_reply: '客户回复',
  reached_sql: '客户已确认意向',
  customer_deleted_rep: '客户删除员工',
  opt_out_keyword: '客户发送退订关键词',
  sequence_end: '序列结束',
  month: '每月（按当月天数）',
  week: '每周 7 条',
  day: '每天 1 条',
  link: '链接',
  image: '图片',
  miniprogram: '小程序',
  // Stages, also the exits won and lost: 已成交, 已流失.
  ...STAGE_LABELS,
};
const valueText = (v: unknown) => VALUE_TEXT[String(v)] ?? String(v);

/** Chinese names of the fields, by the last part of their path (its parent where that is ambiguous). */
const FIELD_TEXT: Record<string, string> = {
  key: '序列标识',
  name: '名称',
  description: '描述',
  enabled: '启用',
  triggers: '触发条件',
  type: '类型',
  tag: '标签',
  channel: '渠道',
  grade: '评分等级',
  steps: '步骤',
  id: '步骤标识',
  delay: '延迟',
  from: '延迟起点',
  days: '天数',
  hours: '小时数',
  minutes: '分钟数',
  condition: '执行条件',
  tagsAll: '须含全部标签',
  tagsAny: '须含任一标签',
  tagsNone: '不含标签',
  grades: '评分等级',
  stages: '线索阶段',
  channels: '来源渠道',
  action: '动作',
  content: '推送文字',
  attachments: '附件',
  title: '标题',
  url: '地址',
  desc: '描述',
  picurl: '封面图地址',
  pic_url: '地址',
  media_id: '素材',
  pic_media_id: '封面素材',
  appid: ' AppID',
  page: '页面',
  points: '分值',
  reason: '原因',
  whenBudgetSpent: '额度用完时',
  exits: '退出条件',
  on: '退出原因',
  optOutKeywords: '退订关键词',
  corpRule: '企业群发规则',
  monthlyCap: '每月上限',
  quietHours: '免打扰时段',
  start: '开始时间',
  end: '结束时间',
  onePerDay: '每天最多一条',
};

/** Parts of a path that only group their fields; the attachment kinds name them ("链接" + "地址"). */
const GROUPS = new Set(['text', 'action', 'delay', 'condition', 'exits']);
const ATTACHMENT_TEXT: Record<string, string> = { link: '链接', image: '图片', miniprogram: '小程序' };

/** "steps.0.action.attachments.1.link.url" → "第 1 步 · 第 2 个附件 · 链接地址". */
export function fieldLabel(path: ReadonlyArray<PropertyKey>, subject: '序列' | '额度规则' = '序列'): string {
  const parts: string[] = [];
  let prefix = '';
  for (let i = 0; i < path.length; i++) {
    const part = path[i];
    const next = path[i + 1];
    if (typeof next === 'number') {
      const n = next + 1;
      if (part === 'steps') parts.push(`第 ${n} 步`);
      else if (part === 'triggers') parts.push(`第 ${n} 个触发条件`);
      else if (part === 'attachments') parts.push(`第 ${n} 个附件`);
      else if (part === 'on') parts.push(`第 ${n} 个退出原因`);
      else if (part === 'optOutKeywords') parts.push(`第 ${n} 个退订关键词`);
      else parts.push(`${FIELD_TEXT[String(part)] ?? String(part)}第 ${n} 项`);
      i++;
      continue;
    }
    const key = String(part);
    const last = i === path.length - 1;
    if (!last && GROUPS.has(key)) continue;
    if (key in ATTACHMENT_TEXT) {
      if (last) parts.push(ATTACHMENT_TEXT[key]);
      else prefix = ATTACHMENT_TEXT[key];
      continue;
    }
    if (!last && key === 'quietHours') {
      prefix = '免打扰';
      continue;
    }
    let text: string;
    if (key === 'name') text = path.length === 1 ? '序列名称' : '步骤名称';
    else if (key === 'text') text = '提醒内容';
    else if (key === 'type') text = path[i - 2] === 'triggers' ? '触发方式' : '动作类型';
    else text = FIELD_TEXT[key] ?? key;
    parts.push(prefix ? `${prefix}${text}` : text);
    prefix = '';
  }
  return parts.length ? parts.join(' · ') : subject === '序列' ? '培育序列' : '额度规则';
}

/** What is wrong, by the regular expression a string failed: its field says which. */
function formatText(field: string): string {
  switch (field) {
    case 'key':
      return '只能用小写字母、数字、- 或 _，以字母开头，2–64 位（例如 expo-awareness）';
    case 'id':
      return '只能用小写字母、数字、- 或 _，以字母开头，最多 40 位';
    case 'url':
    case 'picurl':
    case 'pic_url':
      return '须为 http:// 或 https:// 开头的网址';
    case 'appid':
      return '须为小程序 AppID（wx 加 16 位字母或数字）';
    case 'state':
      return '渠道标识为 1–30 位字母或数字';
    case 'start':
    case 'end':
      return '格式为 时:分，例如 21:00';
    default:
      return '格式不正确';
  }
}

/** The schemas' own messages (refinements), in Chinese; matched by their fixed English wording. */
const CUSTOM: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/is at most (\d+) bytes/, (m) => `最多 ${m[1]} 字节（一个汉字占 3 字节，约 ${Math.floor(Number(m[1]) / 3)} 个汉字）`],
  [/duplicate step id/, () => '步骤标识与前面的步骤重复'],
  [/the same trigger is listed twice/, () => '与前面的触发条件重复'],
  [/needs at least one push_content or remind_rep step/, () => '至少需要一个「推送内容」或「提醒销售」步骤'],
  [/every sequence exits on (\w+)/, (m) => `必须包含「${valueText(m[1])}」`],
  [/an exit reason is listed twice/, () => '退出原因重复'],
  [/opt_out_keyword needs at least one keyword/, () => '选择了「客户发送退订关键词」时至少需要一个关键词'],
  [/a condition needs at least one of/, () => '执行条件至少填写一项，不需要条件时请关闭'],
  [/image needs exactly one of/, () => '图片地址和图片素材须填写其中一个'],
  [/push_content needs text or at least one attachment/, () => '推送内容至少需要文字或一个附件'],
  [/whenBudgetSpent applies to push_content steps only/, () => '只有「推送内容」步骤可以设置额度用完时的处理'],
  [/a delay is at most 366 days/, () => '延迟最长 366 天'],
  [/points must not be 0/, () => '分值不能为 0'],
  [/key must be "/, () => '序列标识不能修改'],
  [/channel is \{/, () => '请选择渠道'],
];

type Issue = ZodError['issues'][number];

function issueText(issue: Issue): string {
  const field = String(issue.path[issue.path.length - 1] ?? '');
  const i = issue as Issue & Record<string, unknown>;
  switch (issue.code) {
    case 'too_small': {
      const min = Number(i.minimum);
      if (i.origin === 'string') return min <= 1 ? '不能为空' : `至少 ${min} 个字符`;
      if (i.origin === 'array') {
        if (field === 'triggers') return '至少需要一个触发条件';
        if (field === 'steps') return '至少需要一个步骤';
        return `至少需要 ${min} 项`;
      }
      return `不能小于 ${min}`;
    }
    case 'too_big': {
      const max = Number(i.maximum);
      if (i.origin === 'string') return `最多 ${max} 个字符`;
      if (i.origin === 'array') return `最多 ${max} 项`;
      return `不能大于 ${max}`;
    }
    case 'invalid_format':
      return formatText(field);
    case 'invalid_type': {
      if (/received undefined/.test(issue.message)) return '必填';
      const expected = String(i.expected);
      if (expected === 'int') return '须为整数';
      if (expected === 'number') return '须为数字';
      if (expected === 'boolean') return '须为“是”或“否”';
      if (expected === 'string') return '须为文字';
      if (expected === 'array') return '须为列表';
      return '格式不正确';
    }
    case 'invalid_value':
      return `只能是 ${(i.values as unknown[]).map(valueText).join('、')}`;
    case 'invalid_union':
      if (Array.isArray(i.options)) return `只能是 ${(i.options as unknown[]).map(valueText).join('、')}`;
      break;
    case 'unrecognized_keys':
      return '包含无法识别的内容';
    default:
      break;
  }
  for (const [pattern, text] of CUSTOM) {
    const m = pattern.exec(issue.message);
    if (m) return text(m);
  }
  return '内容不符合要求';
}

export function consoleFieldErrors(error: ZodError, subject: '序列' | '额度规则' = '序列'): ConsoleFieldError[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), label: fieldLabel(issue.path, subject), message: issueText(issue) }));
}

/** A 400 the console shows field by field: the same shape as the admin API's, with Chinese messages. */
export function invalidInChinese(error: ZodError, subject: '序列' | '额度规则'): HttpError {
  const fields = consoleFieldErrors(error, subject);
  const what = subject === '序列' ? '培育序列' : '额度规则';
  return new HttpError(400, 'validation_failed', `${what}有 ${fields.length} 处需要修改`, { fields });
}

import type { Context, Next } from 'koa';
import { ZodError } from 'zod';
import { HttpError } from '../http/errors';

/**
 * The console's 规则与设置 pages show the server's message to an operator, and the commands they
 * reuse (teams, members, rules, settings) answer in English for the admin API's integrators. This
 * turns those answers into Chinese for the console, by what went wrong (status, code, the field),
 * keeping the code and the details a page or a test can act on.
 */
export function settingsErrorsInChinese() {
  return async (_ctx: Context, next: Next) => {
    try {
      await next();
    } catch (error) {
      throw inChinese(error);
    }
  };
}

/** Field names as an operator knows them; an array index reads as 第 n 条. */
const FIELD_TEXT: Record<string, string> = {
  name: '名称',
  teamId: '负责团队',
  conditions: '条件',
  field: '字段',
  op: '匹配方式',
  value: '取值',
  position: '顺序',
  enabled: '启用状态',
  ids: '规则顺序',
  members: '成员',
  userId: '成员账号',
  maxActiveLeads: '每人在手线索上限',
  followUpHours: '跟进时限',
  dailyClaimLimit: '每日领取上限',
  roles: '角色',
  managedTeamIds: '管理的团队',
  storeId: '门店',
  defaultTeam: '默认团队',
  maxHeldLeads: '最多持有线索数',
  reclaimCooldownHours: '退回后再领取等待时间',
  channelOverrides: '渠道跟进时限',
  rules: '评分规则',
  attributes: '属性规则',
  behaviours: '行为规则',
  id: '规则编号',
  values: '取值',
  min: '最小值',
  max: '最大值',
  points: '分值',
  reason: '说明',
  kind: '行为类型',
  match: '匹配方式',
  cap: '封顶分值',
  decay: '衰减设置',
  afterDays: '开始衰减天数',
  everyDays: '衰减间隔天数',
  factor: '衰减系数',
  thresholds: '等级阈值',
  gradeA: 'A 级分数线',
  gradeB: 'B 级分数线',
  mql: 'MQL 分数线',
  sql: 'SQL 分数线',
  hot: '高意向分数线',
  notes: '备注',
  cursor: '分页位置',
  limit: '每页数量',
  q: '搜索内容',
  role: '角色',
};

function pathText(path: ReadonlyArray<PropertyKey>): string {
  const parts = path.map((p) => (typeof p === 'number' ? `第 ${p + 1} 条` : (FIELD_TEXT[String(p)] ?? String(p))));
  return parts.length ? parts.join(' ') : '提交的内容';
}

/** What the rule-set checks say, in Chinese (rules-schema.ts, teams/schemas.ts). */
function issueText(message: string): string | null {
  if (/gradeB must not be above gradeA/.test(message)) return 'B 级分数线不能高于 A 级';
  if (/mql must not be above sql/.test(message)) return 'MQL 分数线不能高于 SQL';
  if (/duplicate or reserved rule id/.test(message)) return '规则编号重复或为保留编号';
  if (/max must be greater than min/.test(message)) return '最大值必须大于最小值';
  if (/give values or a min\/max range/.test(message)) return '请填写取值或数值范围';
  if (/either values or a min\/max range/.test(message)) return '取值和数值范围只能填一种';
  if (/"in" takes a list/.test(message)) return '“属于”需要多个取值，“等于”和“包含”只取一个值';
  return null;
}

export function inChinese(error: unknown): unknown {
  if (error instanceof ZodError) {
    const described = [...new Set(error.issues.slice(0, 3).map((i) => [pathText(i.path), issueText(i.message)].filter(Boolean).join('：')))];
    return new HttpError(400, 'validation_failed', `填写的内容有误：${described.join('；')}`, {
      fields: error.issues.map((i) => ({ path: i.path.join('.'), message: issueText(i.message) ?? i.message })),
    });
  }
  // Already Chinese (the admin check, the policies) stays; a quoted name does not make English Chinese.
  if (!(error instanceof HttpError) || /[\u4e00-\u9fff]/.test(error.message.replace(/"[^"]*"/g, ''))) return error;
  const details = error.details ?? {};
  const field = (details.field as string | undefined) ?? (details.fields as Array<{ path: string }> | undefined)?.[0]?.path;
  const say = (message: string) => new HttpError(error.status, error.code, message, details);
  if (error.status === 404) return say('要修改的内容不存在，可能已被他人删除，请刷新后重试');
  if (error.status === 409) {
    if (field === 'name') return say('已有同名团队，请换一个名称');
    if (details.ruleIds) return say('仍有分配规则指向该团队，请先修改或删除这些规则');
    if (details.ids) return say('分配规则已被他人修改，请刷新后重新排序');
    return say('内容已被他人修改，请刷新后重试');
  }
  if (error.status === 400) {
    if (field === 'teamId') return say('所选的负责团队不存在，请刷新后重选');
    if (field === 'managedTeamIds') return say(/needs the manager role/.test(error.message) ? '只有主管可以设置管理的团队' : '所选的团队不存在，请刷新后重选');
    if (field === 'storeId') {
      if (/needs the store_staff role/.test(error.message)) return say('只有门店店员可以设置门店');
      if (/need a store/.test(error.message)) return say('门店店员需要选择所属门店');
      return say('所选门店不存在，请刷新后重选');
    }
    if (/cursor/.test(error.message)) return say('分页位置无效，请刷新后重试');
    return say('提交的内容不符合要求');
  }
  return error;
}

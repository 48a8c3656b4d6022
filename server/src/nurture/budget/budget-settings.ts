import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../../audit/record-audit';
import type { PolicyActor } from '../../policies/actor';
import { getSetting, putSetting } from '../../settings/settings';
import { readConfigOver } from '../../util/config-file';
import { CORP_RULES } from './periods';
import { HH_MM } from './quiet-hours';

export const budgetSettingsSchema = z.object({
  /** The corp's rule as its WeCom admin set it (群发助手 → 设置群发规则): month (days in the month), week (7) or day (1). */
  corpRule: z.enum(CORP_RULES),
  /** Our own cap: pushes per customer per Shanghai calendar month, whatever the corp allows; null = none. */
  monthlyCap: z.number().int().min(0).max(31).nullable(),
  /** A daily Asia/Shanghai window when nothing is pushed; null = none. */
  quietHours: z
    .object({ start: z.string().regex(HH_MM, 'HH:MM'), end: z.string().regex(HH_MM, 'HH:MM') })
    .strict()
    .nullable(),
  /** At most one push per customer per Shanghai calendar day, across every sequence and campaign. */
  onePerDay: z.boolean(),
});
export type BudgetSettings = z.infer<typeof budgetSettingsSchema>;

export const BUDGET_SETTING_KEY = 'nurture.budget';
// WeCom's default rule; 8 a month of our own (about two a week) and no pushes at night.
export const BUILT_IN_BUDGET_SETTINGS: BudgetSettings = { corpRule: 'month', monthlyCap: 8, quietHours: { start: '21:00', end: '09:00' }, onePerDay: true };

/** config/nurture-budget.json over the built-in defaults; a bad file stops with its name and the field. */
export function fileBudgetSettings(): BudgetSettings {
  return readConfigOver('nurture-budget.json', budgetSettingsSchema, BUILT_IN_BUDGET_SETTINGS);
}

/** config/nurture-budget.json with the admin's overrides (setting `nurture.budget`) on top. */
export async function loadBudgetSettings(manager: EntityManager): Promise<BudgetSettings> {
  const stored = await getSetting<Partial<BudgetSettings>>(manager, BUDGET_SETTING_KEY);
  return { ...fileBudgetSettings(), ...(stored ?? {}) };
}

const CORP_RULE_TEXT: Record<BudgetSettings['corpRule'], string> = { month: '每月（按当月天数）', week: '每周 7 条', day: '每天 1 条' };

/** A setting as the audit log's purpose says it, in Chinese. */
function settingText(field: keyof BudgetSettings, value: BudgetSettings[keyof BudgetSettings]): string {
  switch (field) {
    case 'corpRule':
      return `企业群发规则 ${CORP_RULE_TEXT[value as BudgetSettings['corpRule']]}`;
    case 'monthlyCap':
      return value === null ? '每月上限 不限' : `每月上限 ${value as number} 条`;
    case 'quietHours': {
      const q = value as BudgetSettings['quietHours'];
      return q ? `免打扰 ${q.start}–${q.end}` : '免打扰 关闭';
    }
    case 'onePerDay':
      return `每天最多一条 ${value ? '开启' : '关闭'}`;
  }
}

/**
 * Fields given replace the stored ones. `by` is who changed them (a member from the console, the
 * admin token), recorded in the audit log in the same transaction; null for the service itself
 * (demo mode's first start), which no audit row names.
 */
export async function saveBudgetSettings(manager: EntityManager, patch: Partial<BudgetSettings>, by: PolicyActor | null): Promise<BudgetSettings> {
  const at = Date.now();
  await manager.transaction(async (tx) => {
    const before = await loadBudgetSettings(tx);
    const stored = (await getSetting<Partial<BudgetSettings>>(tx, BUDGET_SETTING_KEY)) ?? {};
    await putSetting(tx, BUDGET_SETTING_KEY, { ...stored, ...patch });
    if (!by) return;
    const after = await loadBudgetSettings(tx);
    const changed = (Object.keys(patch) as Array<keyof BudgetSettings>).filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
    await recordAudit(tx, {
      action: 'nurture.budget',
      actor: by,
      leadId: null,
      leadOwnerUserId: null,
      purpose: `修改培育群发额度规则：${changed.length ? changed.map((f) => settingText(f, after[f])).join('，') : '未改变'}`,
      detail: { before, after },
      at,
    });
  });
  return loadBudgetSettings(manager);
}

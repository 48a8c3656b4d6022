import type { EntityManager } from 'typeorm';
import { z } from 'zod';
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

/** Fields given replace the stored ones. */
export async function saveBudgetSettings(manager: EntityManager, patch: Partial<BudgetSettings>): Promise<BudgetSettings> {
  const stored = (await getSetting<Partial<BudgetSettings>>(manager, BUDGET_SETTING_KEY)) ?? {};
  await putSetting(manager, BUDGET_SETTING_KEY, { ...stored, ...patch });
  return loadBudgetSettings(manager);
}

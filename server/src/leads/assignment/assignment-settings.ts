import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import type { PolicyActor } from '../../policies/actor';
import { auditSettingsChange } from '../../settings/audit-settings-change';
import { getSetting, putSetting } from '../../settings/settings';
import { readConfigOver } from '../../util/config-file';

export const assignmentSettingsSchema = z.object({
  /** Team (by name) for leads no rule matches; null = such leads go to the public pool. */
  defaultTeam: z.string().trim().min(1).max(64).nullable(),
});
export type AssignmentSettings = z.infer<typeof assignmentSettingsSchema>;

const SETTING_KEY = 'assignment.settings';
const BUILT_IN: AssignmentSettings = { defaultTeam: null };

/** config/assignment.json over the built-in defaults; a bad file stops with its name and the field. */
export function fileAssignmentSettings(): AssignmentSettings {
  return readConfigOver('assignment.json', assignmentSettingsSchema, BUILT_IN);
}

/** The file's defaults with the admin's stored overrides (setting `assignment.settings`) on top. */
export async function loadAssignmentSettings(manager: EntityManager): Promise<AssignmentSettings> {
  const stored = await getSetting<Partial<AssignmentSettings>>(manager, SETTING_KEY);
  return { ...fileAssignmentSettings(), ...(stored ?? {}) };
}

/** Fields given replace the stored ones. `by` is who changed them, for the audit log (settings.assignment). */
export async function saveAssignmentSettings(manager: EntityManager, patch: Partial<AssignmentSettings>, by: PolicyActor | null): Promise<AssignmentSettings> {
  await manager.transaction(async (tx) => {
    const before = await loadAssignmentSettings(tx);
    const stored = (await getSetting<Partial<AssignmentSettings>>(tx, SETTING_KEY)) ?? {};
    await putSetting(tx, SETTING_KEY, { ...stored, ...patch });
    const after = await loadAssignmentSettings(tx);
    if (before.defaultTeam !== after.defaultTeam) {
      await auditSettingsChange(tx, by, {
        action: 'settings.assignment',
        purpose: `未匹配规则的线索改为${after.defaultTeam === null ? '进入公海' : `分给团队「${after.defaultTeam}」`}`,
        detail: { before, after },
      });
    }
  });
  return loadAssignmentSettings(manager);
}

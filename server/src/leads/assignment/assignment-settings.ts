import type { EntityManager } from 'typeorm';
import { z } from 'zod';
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

export async function saveAssignmentSettings(manager: EntityManager, patch: Partial<AssignmentSettings>): Promise<AssignmentSettings> {
  const stored = (await getSetting<Partial<AssignmentSettings>>(manager, SETTING_KEY)) ?? {};
  await putSetting(manager, SETTING_KEY, { ...stored, ...patch });
  return loadAssignmentSettings(manager);
}

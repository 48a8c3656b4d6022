import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import type { PolicyActor } from '../../policies/actor';
import { auditSettingsChange, changedFields } from '../../settings/audit-settings-change';
import { getSetting, putSetting } from '../../settings/settings';
import { readConfigOver } from '../../util/config-file';
import type { Team } from '../../teams/team.entity';

const hours = z.number().int().min(1).max(24 * 90);

export const poolSettingsSchema = z.object({
  /** Hours an owner has to follow up a lead before it goes back to the pool. */
  followUpHours: hours,
  /** Pool claims per rep per day (Asia/Shanghai calendar day). */
  dailyClaimLimit: z.number().int().min(0).max(10_000),
  /** A rep holding this many active leads cannot claim more. */
  maxHeldLeads: z.number().int().min(1).max(1_000_000),
  /**
   * Hours after a rep returned a lead, or let it be released for want of follow-up, during which
   * that rep cannot claim it back from the pool; 0 = no wait. Without it, return-and-reclaim
   * restarts the follow-up clock and a rep could hold a lead forever without working it.
   */
  reclaimCooldownHours: z.number().int().min(0).max(24 * 90),
  /** Per channel id: its own follow-up deadline (a trade show may allow longer than a web form). */
  channelOverrides: z.record(z.string().regex(/^\d+$/, 'must be a channel id'), z.object({ followUpHours: hours })),
});
export type PoolSettings = z.infer<typeof poolSettingsSchema>;

const SETTING_KEY = 'pool.settings';
// reclaimCooldownHours: a week, so a lead a rep gave up stays with the rest of the team for a
// full working week (weekend included) rather than one follow-up deadline; a manager can still
// hand it straight back with a reassignment.
const BUILT_IN: PoolSettings = { followUpHours: 24, dailyClaimLimit: 20, maxHeldLeads: 100, reclaimCooldownHours: 168, channelOverrides: {} };

/** config/pool.json over the built-in defaults; a bad file stops with its name and the field. */
export function filePoolSettings(): PoolSettings {
  return readConfigOver('pool.json', poolSettingsSchema, BUILT_IN);
}

/** config/pool.json with the admin's overrides (setting `pool.settings`, via the admin API) on top. */
export async function loadPoolSettings(manager: EntityManager): Promise<PoolSettings> {
  const stored = await getSetting<Partial<PoolSettings>>(manager, SETTING_KEY);
  return { ...filePoolSettings(), ...(stored ?? {}) };
}

const FIELD_TEXT: Record<keyof PoolSettings, string> = {
  followUpHours: '跟进时限',
  dailyClaimLimit: '每日领取上限',
  maxHeldLeads: '最多持有线索数',
  reclaimCooldownHours: '退回后再领取等待时间',
  channelOverrides: '渠道跟进时限',
};

/**
 * Fields given replace the stored ones; channelOverrides is replaced as a whole. `by` is who
 * changed them, for the audit log (settings.pool), written in the same transaction.
 */
export async function savePoolSettings(manager: EntityManager, patch: Partial<PoolSettings>, by: PolicyActor | null): Promise<PoolSettings> {
  await manager.transaction(async (tx) => {
    const before = await loadPoolSettings(tx);
    const stored = (await getSetting<Partial<PoolSettings>>(tx, SETTING_KEY)) ?? {};
    await putSetting(tx, SETTING_KEY, { ...stored, ...patch });
    const after = await loadPoolSettings(tx);
    const changed = changedFields(before, after, ['followUpHours', 'dailyClaimLimit', 'maxHeldLeads', 'reclaimCooldownHours', 'channelOverrides']);
    if (changed.length) {
      await auditSettingsChange(tx, by, { action: 'settings.pool', purpose: `修改公海设置：${changed.map((f) => FIELD_TEXT[f]).join('、')}`, detail: { before, after } });
    }
  });
  return loadPoolSettings(manager);
}

/**
 * The follow-up deadline for a lead: its channel's override, else its team's, else the global
 * default. The channel wins because it says how the customer came in (an expo contact is slower
 * to reach than a form filler), whichever team works it.
 */
export function followUpHoursFor(settings: PoolSettings, lead: { channelId: number | null; teamId: number | null }, teams: Map<number, Team>): number {
  const byChannel = lead.channelId != null ? settings.channelOverrides[String(lead.channelId)]?.followUpHours : undefined;
  const byTeam = lead.teamId != null ? teams.get(lead.teamId)?.followUpHours : undefined;
  return byChannel ?? byTeam ?? settings.followUpHours;
}

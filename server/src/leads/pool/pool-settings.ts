import type { EntityManager } from 'typeorm';
import { z } from 'zod';
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

/** Fields given replace the stored ones; channelOverrides is replaced as a whole. */
export async function savePoolSettings(manager: EntityManager, patch: Partial<PoolSettings>): Promise<PoolSettings> {
  const stored = (await getSetting<Partial<PoolSettings>>(manager, SETTING_KEY)) ?? {};
  await putSetting(manager, SETTING_KEY, { ...stored, ...patch });
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

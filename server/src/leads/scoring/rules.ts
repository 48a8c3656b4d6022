import type { DataSource, EntityManager } from 'typeorm';
import { isUniqueViolation } from '../../db/data-source';
import { Setting } from '../../settings/setting.entity';
import { configFilePath, describeIssues, readConfigJson } from '../../util/config-file';
import { ScoringRules, scoringRulesSchema } from './rules-schema';

export const SCORING_SETTING_KEY = 'scoring.rules';

/** Keyed by the file's path, so a changed XIANSUO_CONFIG_DIR is read afresh rather than served stale. */
let fileDefault: { file: string; rules: ScoringRules } | null = null;

/**
 * config/scoring.json (in XIANSUO_CONFIG_DIR when set), read and validated once per process: a
 * missing or broken file stops scoring loudly, since there is no sensible built-in rule set.
 */
export function defaultScoringRules(): ScoringRules {
  const file = configFilePath('scoring.json');
  if (fileDefault?.file === file) return fileDefault.rules;
  const raw = readConfigJson('scoring.json');
  if (raw === null) throw new Error(`scoring rules: ${file} not found`);
  const parsed = scoringRulesSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`scoring rules in ${file} are invalid: ${describeIssues(parsed.error)}`);
  }
  fileDefault = { file, rules: parsed.data };
  return parsed.data;
}

export interface ScoringRulesInfo {
  source: 'default' | 'override';
  updatedAt: number | null;
  rules: ScoringRules;
}

/**
 * The rules in force: the admin override when there is one, else the file. Read per use (one
 * primary-key lookup) so every instance applies a PUT at once, without a cache to invalidate.
 */
export async function scoringRulesInfo(db: DataSource | EntityManager): Promise<ScoringRulesInfo> {
  const row = await db.getRepository(Setting).findOneBy({ key: SCORING_SETTING_KEY });
  if (!row) return { source: 'default', updatedAt: null, rules: defaultScoringRules() };
  // Stored overrides were validated on PUT; parsing again fills defaults a newer schema added.
  return { source: 'override', updatedAt: row.updatedAt, rules: scoringRulesSchema.parse(row.value) };
}

export async function loadScoringRules(db: DataSource | EntityManager): Promise<ScoringRules> {
  return (await scoringRulesInfo(db)).rules;
}

const RECENT_RULES_TTL_MS = 5_000;
let recentRules: { rules: ScoringRules; until: number } | null = null;

/**
 * The rules in force, as read at most 5 s ago: for scoring a lead inside its capture, where one
 * more statement per lead is what a burst pays for. A PUT on this instance applies at once; on
 * other instances within 5 s, and every later re-score reads the rules afresh.
 */
export async function recentScoringRules(db: DataSource | EntityManager): Promise<ScoringRules> {
  if (recentRules && recentRules.until > Date.now()) return recentRules.rules;
  const rules = await loadScoringRules(db);
  recentRules = { rules, until: Date.now() + RECENT_RULES_TTL_MS };
  return rules;
}

/** Validates (ZodError → 400 with fields) and stores the admin override. */
export async function saveScoringRules(db: DataSource, input: unknown): Promise<ScoringRulesInfo> {
  const rules = scoringRulesSchema.parse(input);
  recentRules = null;
  const repo = db.getRepository(Setting);
  const now = Date.now();
  const updated = await repo.update({ key: SCORING_SETTING_KEY }, { value: rules as never, updatedAt: now });
  if (!updated.affected) {
    try {
      await repo.insert({ key: SCORING_SETTING_KEY, value: rules as never, updatedAt: now });
    } catch (error) {
      // Two admins saved at once: the later write wins, as with an update.
      if (!isUniqueViolation(error)) throw error;
      await repo.update({ key: SCORING_SETTING_KEY }, { value: rules as never, updatedAt: now });
    }
  }
  return { source: 'override', updatedAt: now, rules };
}

export async function resetScoringRules(db: DataSource): Promise<ScoringRulesInfo> {
  recentRules = null;
  await db.getRepository(Setting).delete({ key: SCORING_SETTING_KEY });
  return { source: 'default', updatedAt: null, rules: defaultScoringRules() };
}

import type { DataSource, EntityManager } from 'typeorm';
import type { PolicyActor } from '../../policies/actor';
import { auditSettingsChange } from '../../settings/audit-settings-change';
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

type Rule = { id: string };

/**
 * What a new rule set changes, as the audit log keeps it: rule ids added, removed and edited,
 * and the thresholds and decay before and after. Not the whole sets: 500 + 500 rules twice would
 * not fit an audit row.
 */
export function scoringRulesChange(before: ScoringRules, after: ScoringRules) {
  const ids = (rules: ScoringRules) => new Map<string, Rule>([...rules.attributes, ...rules.behaviours].map((r) => [r.id, r]));
  const [was, is] = [ids(before), ids(after)];
  const added = [...is.keys()].filter((id) => !was.has(id));
  const removed = [...was.keys()].filter((id) => !is.has(id));
  const edited = [...is.keys()].filter((id) => was.has(id) && JSON.stringify(was.get(id)) !== JSON.stringify(is.get(id)));
  const thresholds = JSON.stringify(before.thresholds) !== JSON.stringify(after.thresholds);
  const decay = JSON.stringify(before.decay) !== JSON.stringify(after.decay);
  const parts = [
    added.length ? `新增 ${added.length} 条` : '',
    edited.length ? `修改 ${edited.length} 条` : '',
    removed.length ? `删除 ${removed.length} 条` : '',
    thresholds ? '等级阈值' : '',
    decay ? '衰减设置' : '',
  ].filter(Boolean);
  return {
    summary: parts.length ? parts.join('、') : '内容未变',
    detail: {
      added,
      removed,
      edited,
      thresholds: thresholds ? { before: before.thresholds, after: after.thresholds } : null,
      decay: decay ? { before: before.decay, after: after.decay } : null,
    },
  };
}

/**
 * Validates (ZodError → 400 with fields) and stores the admin override. `by` is who saved it,
 * for the audit log (settings.scoring), written in the same transaction.
 */
export async function saveScoringRules(db: DataSource, input: unknown, by: PolicyActor | null): Promise<ScoringRulesInfo> {
  const rules = scoringRulesSchema.parse(input);
  recentRules = null;
  const now = Date.now();
  await db.transaction(async (manager) => {
    const before = await scoringRulesInfo(manager);
    // One upsert: two admins saving at once both succeed, the later write wins.
    await manager.getRepository(Setting).upsert({ key: SCORING_SETTING_KEY, value: rules as never, updatedAt: now }, ['key']);
    const change = scoringRulesChange(before.rules, rules);
    await auditSettingsChange(manager, by, { action: 'settings.scoring', purpose: `修改评分规则：${change.summary}`, detail: { ...change.detail, source: before.source }, at: now });
  });
  return { source: 'override', updatedAt: now, rules };
}

export async function resetScoringRules(db: DataSource, by: PolicyActor | null): Promise<ScoringRulesInfo> {
  recentRules = null;
  await db.transaction(async (manager) => {
    const before = await scoringRulesInfo(manager);
    const deleted = await manager.getRepository(Setting).delete({ key: SCORING_SETTING_KEY });
    if (!deleted.affected) return;
    const change = scoringRulesChange(before.rules, defaultScoringRules());
    await auditSettingsChange(manager, by, { action: 'settings.scoring', purpose: `恢复默认评分规则：${change.summary}`, detail: { ...change.detail, source: 'default' } });
  });
  return { source: 'default', updatedAt: null, rules: defaultScoringRules() };
}

import fs from 'node:fs';
import path from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import { isUniqueViolation } from '../../db/data-source';
import { Setting } from '../../settings/setting.entity';
import { ScoringRules, scoringRulesSchema } from './rules-schema';

export const SCORING_SETTING_KEY = 'scoring.rules';
const DEFAULT_FILE = path.join('config', 'scoring.json');

let fileDefault: ScoringRules | null = null;

/** The same file from server/src (ts-node, jest) and from dist/server/src (built): walk up to the repo root. */
function findDefaultFile(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, DEFAULT_FILE);
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  const fromCwd = path.resolve(DEFAULT_FILE);
  if (fs.existsSync(fromCwd)) return fromCwd;
  throw new Error(`scoring rules: ${DEFAULT_FILE} not found above ${__dirname} or in ${process.cwd()}`);
}

/** config/scoring.json, read and validated once per process: a broken file stops scoring loudly. */
export function defaultScoringRules(): ScoringRules {
  if (fileDefault) return fileDefault;
  const file = findDefaultFile();
  const parsed = scoringRulesSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`scoring rules in ${file} are invalid: ${problems}`);
  }
  fileDefault = parsed.data;
  return fileDefault;
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

/** Validates (ZodError → 400 with fields) and stores the admin override. */
export async function saveScoringRules(db: DataSource, input: unknown): Promise<ScoringRulesInfo> {
  const rules = scoringRulesSchema.parse(input);
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
  await db.getRepository(Setting).delete({ key: SCORING_SETTING_KEY });
  return { source: 'default', updatedAt: null, rules: defaultScoringRules() };
}

import { loadArchiveKeysAtStartup } from './archive/keys/startup';
import { chatRules } from './archive/rules/chat-rules';
import { loadFormsConfig } from './capture/forms/forms-config';
import { fileAssignmentSettings } from './leads/assignment/assignment-settings';
import { filePoolSettings } from './leads/pool/pool-settings';
import { defaultScoringRules } from './leads/scoring/rules';
import { fileBudgetSettings } from './nurture/budget/budget-settings';
import { fileSequences } from './nurture/sequences/file-sequences';

/**
 * Reads and validates every file of config/ (or XIANSUO_CONFIG_DIR) once, at start-up: a broken
 * file stops the service with its path and the fields to fix, rather than failing the first
 * request, job or nurture pass that happens to read it hours later. Every problem is reported,
 * not only the first.
 */
export function checkConfigFiles(): void {
  // The archive's keys only when ARCHIVE_SECRET turns the archive on (archive/keys/startup.ts).
  const readers: Array<() => unknown> = [defaultScoringRules, loadFormsConfig, fileAssignmentSettings, filePoolSettings, fileBudgetSettings, fileSequences, chatRules, () => loadArchiveKeysAtStartup()];
  const problems: string[] = [];
  for (const read of readers) {
    try {
      read();
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (problems.length) throw new Error(`configuration files are invalid:\n- ${problems.join('\n- ')}`);
}

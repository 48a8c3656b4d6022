import type { EntityManager } from 'typeorm';
import { loadBudgetSettings, type BudgetSettings } from './budget-settings';
import { decidePushes, ledgerSince, type PushDecision } from './decide';
import { loadLedger } from './ledger';

/**
 * The call the sending step makes before add_msg_template: for these customers at `at`, who may
 * get a push now and why not for the others. Loads the rules and the ledger rows it needs (one
 * statement per 1000 customers), then decides in decidePushes.
 */
export async function checkPushBudget(
  manager: EntityManager,
  externalUserIds: readonly string[],
  at: number,
  settings?: BudgetSettings,
): Promise<PushDecision[]> {
  const rules = settings ?? (await loadBudgetSettings(manager));
  const rows = await loadLedger(manager, externalUserIds, ledgerSince(rules, at));
  return decidePushes(rules, rows, externalUserIds, at);
}

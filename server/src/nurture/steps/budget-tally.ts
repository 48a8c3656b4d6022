import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import type { BudgetSettings } from '../budget/budget-settings';
import { decidePushes, ledgerSince, type PushDecision } from '../budget/decide';
import { loadLedger, type LedgerRow } from '../budget/ledger';
import { IN_FLIGHT_STATUSES, NurtureStepRun } from './step-run.entity';

/**
 * The budget of a batch of customers as the step runner spends it: their status-1 deliveries
 * from the ledger plus every push of ours still in flight (queued, being sent, awaiting the
 * member's confirmation or its results), which may yet be delivered and so must count. Each push
 * queued during the batch is added, so two sequences due for one customer in the same tick see
 * each other. Two statements per batch (one each per 1,000 customers).
 */
export class BudgetTally {
  private readonly rows = new Map<string, LedgerRow[]>();

  private constructor(private readonly settings: BudgetSettings) {}

  static async load(manager: EntityManager, settings: BudgetSettings, externalUserIds: readonly string[], at: number): Promise<BudgetTally> {
    const tally = new BudgetTally(settings);
    const unique = [...new Set(externalUserIds)];
    for (const row of await loadLedger(manager, unique, ledgerSince(settings, at))) tally.add(row.externalUserId, row.sentAt);
    for (let i = 0; i < unique.length; i += 1000) {
      const inFlight = await manager.getRepository(NurtureStepRun).find({
        select: { externalUserId: true, ranAt: true },
        where: { externalUserId: In(unique.slice(i, i + 1000)), status: In([...IN_FLIGHT_STATUSES]) },
      });
      for (const run of inFlight) tally.add(run.externalUserId!, run.ranAt);
    }
    return tally;
  }

  decide(externalUserId: string, at: number): PushDecision {
    return decidePushes(this.settings, this.rows.get(externalUserId) ?? [], [externalUserId], at)[0];
  }

  /** A push to this customer at `at` (delivered, or queued now). */
  add(externalUserId: string, at: number): void {
    const list = this.rows.get(externalUserId) ?? [];
    list.push({ externalUserId, sentAt: at });
    this.rows.set(externalUserId, list);
  }
}

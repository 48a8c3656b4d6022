import type { EntityManager } from 'typeorm';
import type { AuditAction } from '../audit/audit-log.entity';
import { recordAudit } from '../audit/record-audit';
import type { PolicyActor } from '../policies/actor';

/**
 * One audit row for a change to the rules or settings (teams, roles, assignment and scoring
 * rules, pool settings), written in the change's own transaction so there is no change without
 * its row. `by` is who made it: a member signed in to the console, or the admin token; null is
 * the service itself (demo mode seeding its example team on first start), which no row names.
 * The purpose is a Chinese sentence an operator reads in the audit log; `detail` keeps what
 * changed, before and after, for whoever needs to undo it.
 */
export async function auditSettingsChange(
  manager: EntityManager,
  by: PolicyActor | null,
  change: { action: AuditAction; purpose: string; detail: object; at?: number },
): Promise<void> {
  if (!by) return;
  await recordAudit(manager, { action: change.action, actor: by, leadId: null, leadOwnerUserId: null, purpose: change.purpose, detail: change.detail, at: change.at });
}

/** The fields whose values differ (compared as JSON), in the order given. */
export function changedFields<T extends object>(before: T, after: T, fields: ReadonlyArray<keyof T>): Array<keyof T> {
  return fields.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
}

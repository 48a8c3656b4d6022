import type { EntityManager } from 'typeorm';
import { actorLabel, type PolicyActor } from '../policies/actor';
import { AuditAction, AuditLog } from './audit-log.entity';

export interface AuditInput {
  action: AuditAction;
  actor: PolicyActor;
  leadId: number | null;
  /** The lead's owner at the time. */
  leadOwnerUserId: string | null;
  purpose: string;
  detail?: object | null;
  at?: number;
}

/** Writes one audit row in the caller's transaction: the act and its record commit together or not at all. */
export async function recordAudit(manager: EntityManager, input: AuditInput): Promise<void> {
  await manager.insert(AuditLog, {
    action: input.action,
    actorUserId: actorLabel(input.actor),
    leadId: input.leadId,
    leadOwnerUserId: input.leadOwnerUserId,
    purpose: input.purpose.slice(0, 200),
    detail: input.detail ?? null,
    at: input.at ?? Date.now(),
  });
}

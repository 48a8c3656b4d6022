import type { EntityManager } from 'typeorm';
import type { MemberActor } from '../members/member-actor';
import { HttpError, notFound } from '../http/errors';
import { Lead } from './lead.entity';

export type LeadActor = MemberActor | { kind: 'admin' };

/**
 * The lead if this actor may work on it: admins any lead, a member only the leads they own. Other
 * members' leads are reported as missing (404), so ids cannot be probed. A lead merged into another
 * is read-only (409 pointing at the lead it lives on in).
 */
export async function findAccessibleLead(manager: EntityManager, actor: LeadActor, leadId: number): Promise<Lead> {
  const lead = await manager.getRepository(Lead).findOneBy({ id: leadId });
  if (!lead || (actor.kind === 'member' && lead.ownerUserId !== actor.userId)) throw notFound('lead');
  if (lead.mergedIntoId) {
    throw new HttpError(409, 'lead_merged', `lead was merged into lead ${lead.mergedIntoId}; work on that one`, { mergedIntoId: lead.mergedIntoId });
  }
  return lead;
}

/** Who did it, as kept in timeline data. */
export const actorLabel = (actor: LeadActor) => (actor.kind === 'member' ? actor.userId : 'admin');

import { PRIORITY } from '../../../jobs/enqueue';
import type { Subscriber } from '../../../events/types';
import { Lead } from '../../../leads/lead.entity';
import { LeadRelation } from '../../../leads/lead-relation.entity';
import { exitEnrollments } from '../exit-enrollments';
import { mayExitOn, readSequenceTriggers } from '../trigger-snapshot';

/**
 * lead.relation_lost because the customer deleted a rep: the lead leaves its sequences with
 * `customer_deleted_rep` (every sequence exits on it: nothing can be pushed to a customer who
 * deleted the sender). Nurture pushes go out from the lead's owner, so when the customer deleted
 * another rep and still has the owner, the pushes still reach them and the enrollments stay.
 *
 * The other ways a relation ends leave enrollments alone. A rep deleting the customer is the
 * rep's act, not the customer turning nurture down, and what follows it (the lead returned,
 * reassigned, lost) has its own events; a push the deleted relation cannot carry comes back
 * from WeCom as "not a friend" and is recorded as such. A transfer hands the customer to another
 * rep: nurture goes on from the new owner.
 */
export const exitOnRelationLost: Subscriber<'lead.relation_lost'> = {
  name: 'nurture-exit-on-relation-lost',
  priority: PRIORITY.background,
  wants: (p) => p.reason === 'customer_deleted_rep' && mayExitOn(['customer_deleted_rep']),
  async handle(event, ctx, run) {
    const { leadId, userId, reason } = event.payload;
    if (reason !== 'customer_deleted_rep') return 'ignored';
    const manager = ctx.dataSource.manager;
    // Read for the snapshot's sake: `wants` said "maybe" because it was missing or stale.
    await readSequenceTriggers(manager);
    const lead = await manager.getRepository(Lead).findOne({ select: { id: true, ownerUserId: true }, where: { id: leadId } });
    if (lead?.ownerUserId && lead.ownerUserId !== userId) {
      const ownerStays = await manager.getRepository(LeadRelation).exists({ where: { leadId, userId: lead.ownerUserId, status: 'active' } });
      if (ownerStays) return 'ignored';
    }
    // Every active enrollment: WeCom times the deletion to the second only, so it cannot be told
    // apart from an enrollment begun in the same second, and the customer's events reach us in order.
    const ended = await exitEnrollments(manager, { leadId, reason: 'customer_deleted_rep', at: event.occurredAt, records: run.records });
    return ended.length > 0 ? 'done' : 'ignored';
  },
};

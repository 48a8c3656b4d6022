import type { DomainEvent } from '../../events/types';

/**
 * lead.tagged for tags new on a lead, as every producer builds it: a rep's tag edit, the WeCom
 * tag sync, a store entry, a web form, a nurture step. `cause` is what the tagging is keyed by
 * (an inbox event, a form submission, a step run): unique per fact and the same when the
 * producer runs again, so a re-run publishes nothing twice. Callers pass only the tags the lead
 * did not have, and publish nothing when there are none.
 */
export function leadTaggedEvent(input: { leadId: number; tags: string[]; source: string; cause: string; at: number }): DomainEvent<'lead.tagged'> {
  return {
    name: 'lead.tagged',
    key: `lead.tagged:${input.leadId}:${input.cause}`,
    occurredAt: input.at,
    payload: { leadId: input.leadId, tags: [...new Set(input.tags)], source: input.source },
  };
}

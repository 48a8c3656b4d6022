import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import type { AppContext } from '../context';
import { recordAudit } from '../audit/record-audit';
import { actorLabel, actorName, type PolicyActor } from '../policies/actor';
import { findLeadFor } from '../policies/lead';
import type { Lead } from './lead.entity';
import { addTimelineEntry } from './timeline';

/** The purpose an audit row gives a search by full phone number. */
export const PHONE_SEARCH_PURPOSE = '按完整手机号搜索';

const PURPOSE_RULE = '请填写查看用途（2 到 100 个字）';

export const revealSchema = z.object({
  purpose: z.string({ error: PURPOSE_RULE }).trim().min(2, PURPOSE_RULE).max(100, PURPOSE_RULE),
});

/**
 * The full phone number of a lead, and its free-text fields unmasked (name, company, attributes
 * may hold numbers too), for a caller the lead policy lets reveal it (its owner, the manager of
 * the owner's team, an admin). Every reveal is written to the lead's timeline and to the audit
 * log in the same transaction: PIPL wants to know who saw what, and there is no reveal without
 * its record. Every other reply masks numbers wherever they appear (http/mask-replies.ts).
 */
export async function revealPhone(ctx: AppContext, actor: PolicyActor, leadId: number, purpose: string) {
  return ctx.dataSource.transaction(async (manager) => {
    const { lead } = await findLeadFor(manager, actor, leadId, 'reveal');
    const at = Date.now();
    await recordAudit(manager, { action: 'phone.reveal', actor, leadId, leadOwnerUserId: lead.ownerUserId, purpose, at });
    await addTimelineEntry(manager, {
      leadId,
      kind: 'phone.revealed',
      summary: `${actorName(actor)}查看了完整手机号及资料（用途：${purpose}）`,
      data: { actor: actorLabel(actor), purpose },
      occurredAt: at,
    });
    return { leadId, phone: lead.phone, name: lead.name, corpName: lead.corpName, attributes: lead.attributes ?? {} };
  });
}

/**
 * A search by full phone number tells the searcher that the number is this lead's: a reveal by
 * another route. Like a reveal, each lead found gets a timeline entry naming who searched and
 * when, and an audit row (a `phone.reveal` whose purpose says it was a search), written in the
 * caller's transaction before the answer leaves. The number itself is not copied into either:
 * it is the lead's own, already stored once.
 */
export async function logPhoneSearch(manager: EntityManager, actor: PolicyActor, leads: Array<Pick<Lead, 'id' | 'ownerUserId'>>): Promise<void> {
  const at = Date.now();
  for (const { id: leadId, ownerUserId } of leads) {
    await recordAudit(manager, { action: 'phone.reveal', actor, leadId, leadOwnerUserId: ownerUserId, purpose: PHONE_SEARCH_PURPOSE, detail: { via: 'phone_search' }, at });
    await addTimelineEntry(manager, {
      leadId,
      kind: 'phone.searched',
      summary: `${actorName(actor)}按完整手机号搜索到了该线索`,
      data: { actor: actorLabel(actor) },
      occurredAt: at,
    });
  }
}

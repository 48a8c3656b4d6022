import { z } from 'zod';
import type { AppContext } from '../context';
import { actorLabel, findAccessibleLead, LeadActor } from './lead-access';
import { addTimelineEntry } from './timeline';

export const revealSchema = z.object({ purpose: z.string().trim().min(2, 'purpose is required').max(100) });

/**
 * The full phone number of a lead, for a caller who may work on it (its owner, or an admin).
 * Every reveal is written to the lead's timeline first: PIPL wants to know who saw what.
 */
export async function revealPhone(ctx: AppContext, actor: LeadActor, leadId: number, purpose: string) {
  return ctx.dataSource.transaction(async (manager) => {
    const lead = await findAccessibleLead(manager, actor, leadId);
    if (lead.phone) {
      await addTimelineEntry(manager, {
        leadId,
        kind: 'phone.revealed',
        summary: `${actor.kind === 'rep' ? `成员 ${actor.userId}` : '管理员'}查看了完整手机号（用途：${purpose}）`,
        data: { actor: actorLabel(actor), purpose },
      });
    }
    return { leadId, phone: lead.phone };
  });
}

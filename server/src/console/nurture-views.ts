import { type EntityManager, In } from 'typeorm';
import { Channel } from '../channels/channel.entity';
import { Lead } from '../leads/lead.entity';
import { memberNames } from '../members/names';
import type { NurtureEnrollment } from '../nurture/enrollment/enrollment.entity';
import { presentLeadEnrollment } from '../nurture/enrollment/presenters';
import type { Sequence } from '../nurture/sequences/schema';
import { listSequences } from '../nurture/sequences/sequences';

/**
 * What the console's nurture pages show beside the nurture API's rows: whose lead an enrollment
 * or a budget line is (the lead's name and owner, never its phone) and the sequence by name, so
 * no page has to show an id or a code. Each is one statement per page, whatever its length.
 */

async function leadsById(manager: EntityManager, ids: number[]): Promise<Map<number, Pick<Lead, 'id' | 'name' | 'ownerUserId'>>> {
  const wanted = [...new Set(ids)];
  if (!wanted.length) return new Map();
  const rows = await manager.find(Lead, { where: { id: In(wanted) }, select: { id: true, name: true, ownerUserId: true } });
  return new Map(rows.map((l) => [l.id, l]));
}

/** Enrollments as the console lists them: the reps' presentation (Chinese status and reasons), with the lead and its owner. */
export async function presentConsoleEnrollments(manager: EntityManager, rows: NurtureEnrollment[]) {
  const [leads, sequences] = await Promise.all([leadsById(manager, rows.map((e) => e.leadId)), listSequences(manager)]);
  const byKey = new Map<string, Sequence>(sequences.map((i) => [i.key, i.sequence]));
  const handBy = rows.filter((e) => e.reason === 'manual' && e.reasonDetail).map((e) => e.reasonDetail!);
  const owners = [...leads.values()].map((l) => l.ownerUserId).filter((u): u is string => !!u);
  const names = await memberNames(manager, [...handBy, ...owners]);
  return rows.map((e) => {
    const lead = leads.get(e.leadId);
    return {
      ...presentLeadEnrollment(e, byKey.get(e.sequenceKey), e.reason === 'manual' ? names.get(e.reasonDetail ?? '') : null),
      leadId: e.leadId,
      leadName: lead?.name || null,
      ownerUserId: lead?.ownerUserId ?? null,
      ownerName: lead?.ownerUserId ? (names.get(lead.ownerUserId) ?? null) : null,
    };
  });
}

/** Budget lines (nurture/budget/view.ts) with the lead's name, where the customer is a lead. */
export async function withLeadNames<T extends { leadId: number | null }>(manager: EntityManager, items: T[]): Promise<Array<T & { leadName: string | null }>> {
  const leads = await leadsById(manager, items.map((i) => i.leadId).filter((id): id is number => id !== null));
  return items.map((i) => ({ ...i, leadName: (i.leadId !== null ? leads.get(i.leadId)?.name : null) || null }));
}

/** The channels a trigger or condition may name, for the editor's picker and for showing them by name. */
export async function channelChoices(manager: EntityManager) {
  const rows = await manager.find(Channel, { select: { id: true, name: true, state: true, deletedAt: true }, order: { id: 'ASC' } });
  // Deleted channels stay, so a sequence that names one still shows its name; the picker leaves them out.
  return rows.map((c) => ({ id: c.id, name: c.name, state: c.state, deleted: c.deletedAt !== null }));
}

import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AppContext } from '../../context';
import { isMysql } from '../../db/data-source';
import { badRequest, notFound } from '../../http/errors';
import { Lead } from '../lead.entity';
import { addTimelineEntry } from '../timeline';
import { recordActivity, requestRescore } from './record-activity';

export type AttributeValue = string | number | boolean;

export const MAX_ATTRIBUTES = 50;

const ATTRIBUTE_LABELS: Record<string, string> = {
  industry: '行业',
  companySize: '企业规模',
  region: '地区',
  budget: '预算',
  productLine: '产品线',
};

async function lockLead(manager: EntityManager, id: number): Promise<Lead> {
  const qb = manager.getRepository(Lead).createQueryBuilder('lead').where('lead.id = :id', { id });
  if (isMysql(manager.connection)) qb.setLock('pessimistic_write');
  let lead = await qb.getOne();
  // Events about a lead that was merged away belong to the lead it lives on in.
  if (lead?.mergedIntoId) lead = await manager.getRepository(Lead).findOneBy({ id: lead.mergedIntoId });
  if (!lead) throw notFound('lead');
  return lead;
}

export interface LeadEventInput {
  kind: string;
  value?: string | null;
  occurredAt?: number;
  data?: Record<string, unknown> | null;
  /** The caller's id for the event: posting the same id again records it once. */
  eventId?: string;
}

/**
 * A behaviour event from outside (web page view, content read, a custom signal): recorded as an
 * activity, which queues the lead's re-score, and counted as an interaction for decay.
 */
export async function recordLeadEvent(ctx: AppContext, leadId: number, input: LeadEventInput) {
  const occurredAt = input.occurredAt ?? Date.now();
  const result = await ctx.dataSource.transaction(async (manager) => {
    const lead = await lockLead(manager, leadId);
    await recordActivity(manager, {
      leadId: lead.id,
      kind: input.kind,
      value: input.value ?? null,
      data: input.data ?? null,
      // Without the caller's id every post is its own event (and its own re-score).
      dedupKey: `api:${lead.id}:${input.eventId ?? randomUUID()}`,
      occurredAt,
    });
    await manager
      .createQueryBuilder()
      .update(Lead)
      .set({ lastInteractionAt: occurredAt })
      .where('id = :id AND (last_interaction_at IS NULL OR last_interaction_at < :at)', { id: lead.id, at: occurredAt })
      .execute();
    return { leadId: lead.id, kind: input.kind, value: input.value ?? null, occurredAt: new Date(occurredAt).toISOString() };
  });
  ctx.kick();
  return result;
}

/**
 * Merges attribute values into the lead (null removes one), notes the change on the timeline and
 * queues a re-score. Unchanged values change nothing.
 */
export async function updateLeadAttributes(ctx: AppContext, leadId: number, patch: Record<string, AttributeValue | null>) {
  const result = await ctx.dataSource.transaction(async (manager) => {
    const lead = await lockLead(manager, leadId);
    const attributes: Record<string, AttributeValue> = { ...(lead.attributes ?? {}) };
    const changes: string[] = [];
    for (const [key, value] of Object.entries(patch)) {
      const label = ATTRIBUTE_LABELS[key] ?? key;
      if (value === null) {
        if (key in attributes) {
          delete attributes[key];
          changes.push(`移除${label}`);
        }
      } else if (attributes[key] !== value) {
        attributes[key] = value;
        changes.push(`${label}「${value}」`);
      }
    }
    if (!changes.length) return { id: lead.id, attributes, changed: false };
    if (Object.keys(attributes).length > MAX_ATTRIBUTES) throw badRequest(`a lead holds at most ${MAX_ATTRIBUTES} attributes`);
    const now = Date.now();
    await manager.update(Lead, { id: lead.id }, { attributes: attributes as never, updatedAt: now });
    const cause = `attributes:${now}:${randomUUID().slice(0, 8)}`;
    await addTimelineEntry(manager, {
      leadId: lead.id,
      kind: 'lead.attributes_updated',
      summary: `客户资料更新：${changes.join('，')}`,
      data: { patch },
      dedupKey: `lead:${lead.id}:${cause}`,
      occurredAt: now,
    });
    await requestRescore(manager, lead.id, cause);
    return { id: lead.id, attributes, changed: true };
  });
  if (result.changed) ctx.kick();
  return result;
}

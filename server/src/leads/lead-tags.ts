import type { EntityManager } from 'typeorm';
import { LeadTag } from './lead-tag.entity';

export async function tagNamesOf(manager: EntityManager, leadId: number): Promise<string[]> {
  return (await manager.find(LeadTag, { where: { leadId }, order: { id: 'ASC' } })).map((t) => t.name);
}

/** A tag to put on a lead; `tagId` is the WeCom corp tag id, or null for a tag only Xiansuo keeps. */
export interface LeadTagInput {
  leadId: number;
  name: string;
  tagId: string | null;
  /** Why: wecom, channel:12, member, store, form, … */
  source: string;
}

/** Puts tags on leads in one INSERT; a tag a lead already has (same name) is kept as it is. */
export async function addLeadTags(manager: EntityManager, tags: LeadTagInput[], at = Date.now()): Promise<void> {
  if (!tags.length) return;
  await manager
    .createQueryBuilder()
    .insert()
    .into(LeadTag)
    .values(tags.map((tag) => ({ ...tag, createdAt: at })))
    .orIgnore()
    .updateEntity(false)
    .execute();
}

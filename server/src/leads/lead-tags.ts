import type { EntityManager } from 'typeorm';
import { LeadTag } from './lead-tag.entity';

export async function tagNamesOf(manager: EntityManager, leadId: number): Promise<string[]> {
  return (await manager.find(LeadTag, { where: { leadId }, order: { id: 'ASC' } })).map((t) => t.name);
}

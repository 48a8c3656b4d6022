import { EntityManager, In } from 'typeorm';
import type { FollowUser } from '../wecom/contact-api';
import { LeadTag } from './lead-tag.entity';
import { addLeadTags } from './lead-tags';

/**
 * Makes the lead's WeCom corp tags equal to the union of corp tags its reps have on it
 * (follow_user[].tags, type 1). Tags without a WeCom id (set by Xiansuo rules) are left alone.
 * Returns what changed, for the timeline.
 */
export async function syncLeadTagsFromWecom(
  manager: EntityManager,
  leadId: number,
  followUsers: FollowUser[],
  /** A lead created in this transaction has no tags yet: nothing to read. */
  isNewLead = false,
): Promise<{ added: string[]; removed: string[] }> {
  const inWecom = new Map<string, string>();
  for (const follow of followUsers) {
    for (const tag of follow.tags ?? []) {
      if (tag.type === 1 && tag.tag_id) inWecom.set(tag.tag_id, tag.tag_name);
    }
  }
  if (isNewLead && inWecom.size === 0) return { added: [], removed: [] };
  const repo = manager.getRepository(LeadTag);
  const current = isNewLead ? [] : await repo.findBy({ leadId });
  const currentWecom = current.filter((t) => t.tagId);
  const removed = currentWecom.filter((t) => !inWecom.has(t.tagId!));
  const known = new Set(current.map((t) => t.name));
  const added = [...inWecom].filter(([, name]) => !known.has(name));
  if (removed.length) await repo.delete({ id: In(removed.map((t) => t.id)) });
  await addLeadTags(manager, added.map(([tagId, name]) => ({ leadId, name, tagId, source: 'wecom' })));
  return { added: added.map(([, name]) => name), removed: removed.map((t) => t.name) };
}

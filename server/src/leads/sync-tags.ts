import { EntityManager, In } from 'typeorm';
import { publishEvent } from '../events/publish';
import type { FollowUser } from '../wecom/contact-api';
import { LeadTag } from './lead-tag.entity';
import { addLeadTags } from './lead-tags';
import { leadTaggedEvent } from './tags/lead-tagged-event';

export interface WecomTagSync {
  /** What the sync is keyed by (the inbox event, the chat-toolbar capture): keys lead.tagged. */
  cause: string;
  at: number;
  /** A lead created in this transaction has no tags yet: nothing to read. */
  isNewLead?: boolean;
}

/**
 * Makes the lead's WeCom corp tags equal to the union of corp tags its reps have on it
 * (follow_user[].tags, type 1). Tags without a WeCom id (set by Xiansuo rules) are left alone.
 * Tags new on the lead are published as lead.tagged (source `wecom`). Returns what changed, for
 * the timeline.
 */
export async function syncLeadTagsFromWecom(
  manager: EntityManager,
  leadId: number,
  followUsers: FollowUser[],
  sync: WecomTagSync,
): Promise<{ added: string[]; removed: string[] }> {
  const inWecom = new Map<string, string>();
  for (const follow of followUsers) {
    for (const tag of follow.tags ?? []) {
      if (tag.type === 1 && tag.tag_id) inWecom.set(tag.tag_id, tag.tag_name);
    }
  }
  if (sync.isNewLead && inWecom.size === 0) return { added: [], removed: [] };
  const repo = manager.getRepository(LeadTag);
  const current = sync.isNewLead ? [] : await repo.findBy({ leadId });
  const currentWecom = current.filter((t) => t.tagId);
  const removed = currentWecom.filter((t) => !inWecom.has(t.tagId!));
  const known = new Set(current.map((t) => t.name));
  const added = [...inWecom].filter(([, name]) => !known.has(name));
  if (removed.length) await repo.delete({ id: In(removed.map((t) => t.id)) });
  await addLeadTags(manager, added.map(([tagId, name]) => ({ leadId, name, tagId, source: 'wecom' })));
  const addedNames = added.map(([, name]) => name);
  if (addedNames.length) await publishEvent(manager, leadTaggedEvent({ leadId, tags: addedNames, source: 'wecom', cause: sync.cause, at: sync.at }));
  return { added: addedNames, removed: removed.map((t) => t.name) };
}

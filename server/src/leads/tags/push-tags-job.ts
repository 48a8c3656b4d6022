import { In } from 'typeorm';
import type { AppContext } from '../../context';
import type { Job } from '../../jobs/job.entity';
import { CorpTag } from '../../tags/corp-tag.entity';
import { syncCorpTags } from '../../tags/corp-tags';
import { WecomApiError } from '../../wecom/errors';
import { StaleTagIdsError } from '../jobs/mark-tag-job';
import { LeadRelation } from '../lead-relation.entity';
import { LeadTag } from '../lead-tag.entity';

export const PUSH_TAGS_JOB = 'lead.push_tags';

export interface PushTagsPayload {
  leadId: number;
  externalUserId: string;
  /** The corp tags a member changed on the lead: each is added or removed in WeCom as the lead has it now. */
  tagNames: string[];
}

/** WeCom: "invalid tag id" (deleted or re-created under another id). */
const INVALID_TAG_ID = 40068;
/** WeCom: no external contact relation between this member and the customer (any more). */
const NO_RELATION = 84061;

/**
 * Job `lead.push_tags`: brings the customer's corp tags in WeCom in line with the lead's, for
 * the tags a member changed (leads/tags/set-lead-tags.ts). Each tag is pushed as the lead has it
 * when the job runs, not as the edit had it, so two edits whose jobs run out of order still end
 * where the lead is. Corp tags are marked per follower in WeCom (follow_user[].tags) and the lead's
 * tags are the union over its reps (sync-tags.ts), so every rep with an active relation gets the
 * same add_tag / remove_tag. mark_tag is idempotent: a retry repeats nothing harmful.
 */
export async function pushTagsJob(job: Job, ctx: AppContext): Promise<'done' | 'skipped'> {
  const payload = job.payload as unknown as PushTagsPayload;
  const manager = ctx.dataSource.manager;
  const [onLead, corpTags, relations] = await Promise.all([
    manager.find(LeadTag, { where: { leadId: payload.leadId, name: In(payload.tagNames) } }),
    manager.find(CorpTag, { where: { name: In(payload.tagNames), deleted: false }, order: { id: 'ASC' } }),
    manager.find(LeadRelation, { where: { leadId: payload.leadId, status: 'active' }, order: { id: 'ASC' } }),
  ]);
  const has = new Set(onLead.filter((t) => t.tagId !== null).map((t) => t.name));
  const idOf = new Map<string, string>();
  for (const tag of corpTags) if (!idOf.has(tag.name)) idOf.set(tag.name, tag.id);
  // A tag deleted in WeCom meanwhile has no id left, and nothing left to add or remove.
  const addTag = payload.tagNames.filter((n) => has.has(n) && idOf.has(n)).map((n) => idOf.get(n)!);
  const removeTag = payload.tagNames.filter((n) => !has.has(n) && idOf.has(n)).map((n) => idOf.get(n)!);
  if ((!addTag.length && !removeTag.length) || !relations.length) return 'skipped';
  for (const relation of relations) {
    try {
      await ctx.wecom.contact.post('externalcontact/mark_tag', {
        userid: relation.userId,
        external_userid: payload.externalUserId,
        ...(addTag.length ? { add_tag: addTag } : {}),
        ...(removeTag.length ? { remove_tag: removeTag } : {}),
      });
    } catch (error) {
      if (error instanceof WecomApiError && error.errcode === NO_RELATION) continue; // the rep was deleted meanwhile
      if (!(error instanceof WecomApiError) || error.errcode !== INVALID_TAG_ID) throw error;
      await syncCorpTags(ctx);
      throw new StaleTagIdsError(payload.tagNames);
    }
  }
  return 'done';
}

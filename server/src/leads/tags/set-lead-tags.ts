import { createHash } from 'node:crypto';
import { In } from 'typeorm';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { badRequest } from '../../http/errors';
import { publishEvent } from '../../events/publish';
import { enqueueJob, PRIORITY } from '../../jobs/enqueue';
import { actorLabel, actorName, type PolicyActor } from '../../policies/actor';
import { findLeadFor } from '../../policies/lead';
import { CorpTag } from '../../tags/corp-tag.entity';
import { resyncCorpTagsAtMostEvery } from '../../tags/corp-tags';
import { Lead } from '../lead.entity';
import { LeadTag } from '../lead-tag.entity';
import { addLeadTags, tagNamesOf } from '../lead-tags';
import { addTimelineEntry } from '../timeline';
import { leadTaggedEvent } from './lead-tagged-event';
import { PUSH_TAGS_JOB, type PushTagsPayload } from './push-tags-job';

export const setLeadTagsSchema = z.strictObject({
  /** Corp tag names (GET /api/mp/tags): the lead's corp tags after the call. */
  tags: z.array(z.string().trim().min(1).max(64)).max(100),
});

/** Live corp tags by name. */
async function corpTagsNamed(ctx: AppContext, names: string[]): Promise<Map<string, CorpTag>> {
  if (!names.length) return new Map();
  const rows = await ctx.dataSource.getRepository(CorpTag).find({ where: { name: In(names), deleted: false }, order: { id: 'ASC' } });
  const byName = new Map<string, CorpTag>();
  for (const row of rows) if (!byName.has(row.name)) byName.set(row.name, row);
  return byName;
}

/** How often a tag edit naming an unknown tag may make this process re-read WeCom's corp tags. */
const CORP_TAG_RESYNC_MS = 60_000;

const quoted = (names: string[]) => names.map((n) => `「${n}」`).join('、');

/**
 * Command: the lead's corp tags become exactly `names` (corp tags WeCom knows; tags Xiansuo set
 * without a WeCom id are left alone). One transaction writes the lead's tags, a timeline entry,
 * lead.tagged for the tags new on the lead, and — for a lead that is a WeCom contact — a job
 * that adds and removes them in WeCom through mark_tag once the transaction has committed
 * (push-tags-job.ts). Who may is the lead policy's answer. Returns the lead's tags afterwards.
 */
export async function setLeadTags(ctx: AppContext, actor: PolicyActor, leadId: number, names: string[]): Promise<string[]> {
  const wanted = [...new Set(names)];
  // Who may comes first: nothing below (a WeCom call, a sync) is done for a caller who may not.
  await findLeadFor(ctx.dataSource.manager, actor, leadId, 'editTags');
  let known = await corpTagsNamed(ctx, wanted);
  if (known.size < wanted.length) {
    // Created in WeCom since the last sync, perhaps: read the tags once more before refusing —
    // at most once a minute per process, however many edits name unknown tags.
    if (await resyncCorpTagsAtMostEvery(ctx, CORP_TAG_RESYNC_MS)) known = await corpTagsNamed(ctx, wanted);
  }
  const unknown = wanted.filter((name) => !known.has(name));
  if (unknown.length) {
    throw badRequest(`企业微信中没有这些标签：${quoted(unknown)}`, { fields: unknown.map((name) => ({ path: 'tags', message: `unknown corp tag: ${name}` })) });
  }

  return ctx.dataSource.transaction(async (manager) => {
    const { lead } = await findLeadFor(manager, actor, leadId, 'editTags');
    const current = await manager.find(LeadTag, { where: { leadId }, order: { id: 'ASC' } });
    const removed = current.filter((t) => t.tagId !== null && !known.has(t.name));
    const byName = new Map(current.map((t) => [t.name, t]));
    // A tag Xiansuo set under the same name as a corp tag becomes that corp tag.
    const promoted = wanted.filter((name) => byName.get(name)?.tagId === null);
    const added = wanted.filter((name) => !byName.has(name));
    const now = Date.now();
    if (removed.length) await manager.delete(LeadTag, { id: In(removed.map((t) => t.id)) });
    for (const name of promoted) await manager.update(LeadTag, { id: byName.get(name)!.id }, { tagId: known.get(name)!.id });
    await addLeadTags(manager, added.map((name) => ({ leadId, name, tagId: known.get(name)!.id, source: 'member' })), now);
    // Only the tags new on the lead: one Xiansuo had under the name (promoted) is not news. The
    // edit is keyed by its time and what it added (a digest keeps the key short).
    if (added.length) {
      const cause = `member:${now}:${createHash('sha256').update(added.join('\n')).digest('hex').slice(0, 12)}`;
      await publishEvent(manager, leadTaggedEvent({ leadId, tags: added, source: 'member', cause, at: now }));
    }
    const removedNames = removed.map((t) => t.name);
    const changed = [...added, ...promoted, ...removedNames];
    if (changed.length) {
      const parts = [...(added.length || promoted.length ? [`添加${quoted([...added, ...promoted])}`] : []), ...(removedNames.length ? [`移除${quoted(removedNames)}`] : [])];
      await addTimelineEntry(manager, {
        leadId,
        kind: 'tags.edited',
        summary: `${actorName(actor)}修改了标签：${parts.join('；')}`,
        data: { by: actorLabel(actor), added: [...added, ...promoted], removed: removedNames },
        occurredAt: now,
      });
      await manager.update(Lead, { id: leadId }, { updatedAt: now });
      if (lead.externalUserId) {
        const payload: PushTagsPayload = { leadId, externalUserId: lead.externalUserId, tagNames: changed };
        await enqueueJob(manager, { kind: PUSH_TAGS_JOB, dedupKey: `lead-tags:${leadId}:${now}:${changed.join(',')}`, payload: { ...payload }, priority: PRIORITY.tagging });
      }
    }
    return tagNamesOf(manager, leadId);
  });
}

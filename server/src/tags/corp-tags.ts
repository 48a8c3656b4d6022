import { In } from 'typeorm';
import type { AppContext } from '../context';
import { WecomApiError } from '../wecom/errors';
import { CorpTag } from './corp-tag.entity';

/** Tags Xiansuo creates for channels go into this WeCom tag group. */
export const DEFAULT_TAG_GROUP = '线索渠道';

interface TagGroupReply {
  group_id: string;
  group_name: string;
  deleted?: boolean;
  tag?: Array<{ id: string; name: string; deleted?: boolean }>;
}

const TAG_NAME_EXISTS = 40071;

function rowsOf(groups: TagGroupReply[], now: number): CorpTag[] {
  return groups.flatMap((group) =>
    (group.tag ?? []).map((tag) =>
      Object.assign(new CorpTag(), {
        id: tag.id,
        name: tag.name,
        groupId: group.group_id,
        groupName: group.group_name,
        deleted: Boolean(tag.deleted || group.deleted),
        syncedAt: now,
      }),
    ),
  );
}

/**
 * Tag ids by name, as this process last read them, for at most a minute: tagging a burst of
 * customers with a channel's tags reads the table once, not once per customer. A sync here
 * clears it; another instance's sync (a tag deleted in WeCom) reaches this one within the minute,
 * or sooner: a mark_tag refused for an invalid tag id syncs here and is retried (mark-tag-job.ts).
 */
const KNOWN_IDS_TTL_MS = 60_000;
/** Per database (one per runtime), so two services in one process never share ids. */
const knownIdsOf = new WeakMap<object, { ids: Map<string, string>; until: number }>();
const knownIds = (ctx: AppContext) => {
  let known = knownIdsOf.get(ctx.dataSource);
  if (!known || known.until <= Date.now()) knownIdsOf.set(ctx.dataSource, (known = { ids: new Map(), until: Date.now() + KNOWN_IDS_TTL_MS }));
  return known;
};

/** Re-reads every corp tag from WeCom; tags gone from WeCom are kept locally, marked deleted. */
export async function syncCorpTags(ctx: AppContext): Promise<number> {
  knownIdsOf.delete(ctx.dataSource);
  const reply = await ctx.wecom.contact.post<{ tag_group?: TagGroupReply[] }>('externalcontact/get_corp_tag_list', {});
  const now = Date.now();
  const rows = rowsOf(reply.tag_group ?? [], now);
  await ctx.dataSource.transaction(async (manager) => {
    if (rows.length) await manager.getRepository(CorpTag).save(rows, { chunk: 200 });
    await manager
      .createQueryBuilder()
      .update(CorpTag)
      .set({ deleted: true })
      .where('synced_at < :now', { now })
      .execute();
  });
  return rows.length;
}

/** The last re-read of corp tags started for a caller's sake, per data source (one process). */
const lastResync = new WeakMap<object, { at: number; running: Promise<number> | null }>();

/**
 * syncCorpTags on a caller's behalf (e.g. a rep naming a tag the local copy lacks), at most once
 * per `intervalMs` in this process, and never twice at once: concurrent callers share the run in
 * progress. False when it was not run because one ran too recently.
 */
export async function resyncCorpTagsAtMostEvery(ctx: AppContext, intervalMs: number): Promise<boolean> {
  const state = lastResync.get(ctx.dataSource) ?? { at: Number.NEGATIVE_INFINITY, running: null };
  lastResync.set(ctx.dataSource, state);
  if (state.running) {
    await state.running;
    return true;
  }
  if (Date.now() - state.at < intervalMs) return false;
  state.at = Date.now();
  state.running = syncCorpTags(ctx).finally(() => (state.running = null));
  await state.running;
  return true;
}

/**
 * WeCom tag ids for these names, creating the missing ones (in DEFAULT_TAG_GROUP) with
 * add_corp_tag. Known names are answered from the local copy without calling WeCom.
 */
export async function ensureCorpTags(ctx: AppContext, names: string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(names.map((n) => n.trim()).filter(Boolean))];
  const cached = knownIds(ctx).ids;
  if (wanted.every((name) => cached.has(name))) return new Map(wanted.map((name) => [name, cached.get(name)!]));
  const repo = ctx.dataSource.getRepository(CorpTag);
  const lookup = async () => {
    const rows = wanted.length ? await repo.findBy({ name: In(wanted), deleted: false }) : [];
    return new Map(rows.map((r) => [r.name, r.id]));
  };
  const remember = (found: Map<string, string>) => {
    const known = knownIds(ctx).ids;
    for (const [name, id] of found) known.set(name, id);
    return found;
  };
  let ids = await lookup();
  if (ids.size === wanted.length) return remember(ids);
  await syncCorpTags(ctx);
  ids = await lookup();
  const missing = wanted.filter((name) => !ids.has(name));
  if (missing.length === 0) return remember(ids);
  try {
    const reply = await ctx.wecom.contact.post<{ tag_group: TagGroupReply }>('externalcontact/add_corp_tag', {
      group_name: DEFAULT_TAG_GROUP,
      tag: missing.map((name) => ({ name })),
    });
    await repo.save(rowsOf([reply.tag_group], Date.now()));
  } catch (error) {
    // Someone created one of them meanwhile (another instance, or the admin console).
    if (!(error instanceof WecomApiError && error.errcode === TAG_NAME_EXISTS)) throw error;
    await syncCorpTags(ctx);
  }
  return remember(await lookup());
}

import type { AppContext } from '../context';
import { HOUR_MS } from '../util/time';
import { CorpTag } from './corp-tag.entity';
import { syncCorpTags } from './corp-tags';

/** How old the local copy may be before a reader re-reads the corp tags from WeCom. */
const FRESH_FOR_MS = HOUR_MS;

/**
 * The corp tags a member may pick from (GET /api/mp/tags), grouped as in WeCom. Tag changes in
 * WeCom arrive as change_external_tag callbacks and re-sync the copy; a copy never synced, or
 * older than an hour, is re-read first. WeCom out of reach: the copy as it is, and a warning.
 */
export async function corpTagsToPick(ctx: AppContext): Promise<Array<{ name: string; group: string }>> {
  const repo = ctx.dataSource.getRepository(CorpTag);
  const newest = await repo.createQueryBuilder('t').select('MAX(t.synced_at)', 'at').getRawOne<{ at: string | number | null }>();
  if (!newest?.at || Number(newest.at) < Date.now() - FRESH_FOR_MS) {
    try {
      await syncCorpTags(ctx);
    } catch (error) {
      ctx.logger.warn({ err: error }, 'corp tags could not be re-read from WeCom; answering from the local copy');
    }
  }
  const rows = await repo.find({ where: { deleted: false }, order: { groupName: 'ASC', name: 'ASC', id: 'ASC' } });
  const seen = new Set<string>();
  const tags: Array<{ name: string; group: string }> = [];
  for (const row of rows) {
    if (seen.has(row.name)) continue; // one entry per name: tags are picked, and set, by name
    seen.add(row.name);
    tags.push({ name: row.name, group: row.groupName });
  }
  return tags;
}

import { In } from 'typeorm';
import type { AppContext } from '../../context';
import type { ScheduledTask } from '../../scheduler/scheduled-task';
import { DAY_MS } from '../../util/time';
import { archiveConfigOf } from '../archive-config';
import { deleteStoredMedia } from '../media/delete-stored-media';
import { ChatMessage } from './chat-message.entity';

const BATCH = 1000;
/** One run deletes at most this many messages; the next run goes on (a first run after years of backlog stays short). */
const MAX_PER_RUN = 200_000;

export interface RetentionResult {
  messages: number;
  files: number;
  /** Files the store did not delete this time: their messages are kept, and the next run tries again. */
  filesLeft: number;
}

/**
 * Deletes archived chat content older than ARCHIVE_RETENTION_DAYS (0 keeps everything): the
 * messages and their media files. A file is deleted first and its message after, so a failed
 * deletion leaves the message (and its media_key) for the next run, never a file nobody can find.
 * What the messages left behind stays: intent activities and score points, response times, tags.
 */
export async function applyChatRetention(ctx: AppContext, now: number): Promise<RetentionResult> {
  const days = archiveConfigOf(ctx.config).retentionDays;
  const result: RetentionResult = { messages: 0, files: 0, filesLeft: 0 };
  if (days <= 0) return result;
  const before = now - days * DAY_MS;
  const repo = ctx.dataSource.getRepository(ChatMessage);
  let afterId = 0;
  while (result.messages < MAX_PER_RUN) {
    const rows = await repo
      .createQueryBuilder('m')
      .select(['m.id', 'm.mediaKey'])
      .where('m.sent_at < :before AND m.id > :afterId', { before, afterId })
      .orderBy('m.id', 'ASC')
      .take(BATCH)
      .getMany();
    if (rows.length === 0) break;
    afterId = rows[rows.length - 1].id;
    const keys = rows.filter((r) => r.mediaKey).map((r) => r.mediaKey!);
    const failed = new Set<string>();
    if (keys.length && ctx.archive) {
      const deletion = await deleteStoredMedia(ctx.archive.media, keys);
      result.files += deletion.deleted.length;
      for (const { key } of deletion.failed) failed.add(key);
    } else if (keys.length) {
      // The archive is off in this process: no store to delete files from; keep those messages.
      for (const key of keys) failed.add(key);
    }
    result.filesLeft += failed.size;
    const deletable = rows.filter((r) => !r.mediaKey || !failed.has(r.mediaKey)).map((r) => r.id);
    if (deletable.length) await repo.delete({ id: In(deletable) });
    result.messages += deletable.length;
  }
  return result;
}

/** Daily at 03:40 (Shanghai), once across instances. */
export const chatRetentionTask: ScheduledTask = {
  name: 'archive-retention',
  cron: '40 3 * * *',
  async run(ctx) {
    const result = await applyChatRetention(ctx, (ctx.clock ?? Date.now)());
    if (result.messages || result.filesLeft) ctx.logger.info({ retention: result }, 'chat archive retention applied');
  },
};


import type { EventHandler } from '../../inbox/handlers';
import { queueArchivePull } from '../ingest/pull-job';

/**
 * msgaudit_notify: WeCom has new archived messages. The pull itself is a job (archive.pull): it
 * can take minutes, and a callback handler must not hold the inbox that long. Notifies coalesce:
 * while a pull waits to start, more notifies add nothing (the pull reads everything there is);
 * one that arrives while a pull runs queues the next.
 */
export const onArchiveNotify: EventHandler<'archive.notify'> = async (_event, ctx) => {
  if (!ctx.archive) {
    ctx.logger.warn('msgaudit_notify received but the chat archive is off (set ARCHIVE_SECRET and the archive keys)');
    return 'ignored';
  }
  await queueArchivePull(ctx);
  return 'done';
};

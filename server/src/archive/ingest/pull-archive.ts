import type { AppContext } from '../../context';
import { archiveConfigOf } from '../archive-config';
import type { ArchiveServices } from '../archive-services';
import { ArchiveCursor } from './archive-cursor.entity';
import { landMessages, SkipReason } from './land-messages';
import { openBatch } from './open-batch';
import { ARCHIVE_CURSOR, CursorMovedError, storeBatch } from './store-batch';

export interface PullResult {
  /** Messages WeCom handed over. */
  pulled: number;
  stored: number;
  duplicates: number;
  recalled: number;
  skipped: Partial<Record<SkipReason, number>>;
  /** The cursor after the pull. */
  seq: number;
  /** WeCom had nothing more after `seq`. */
  caughtUp: boolean;
  /** Why the pull stopped before catching up (a message that does not open; another instance pulling). */
  stoppedBy?: string;
}

/** One pull at a time per process: a notify arriving during a pull joins it rather than racing it. */
const running = new WeakMap<object, Promise<PullResult>>();

/**
 * Reads the archive from the stored cursor until WeCom has nothing more: GetChatData after the
 * cursor (at most ARCHIVE_PULL_LIMIT, ≤ 1000), open the batch, decide where each message lands,
 * store it and move the cursor in one transaction (store-batch.ts), and again. Triggered by
 * msgaudit_notify (job archive.pull) and by the schedule (archive-task.ts, once per slot across
 * instances); two instances pulling at once cannot both store a batch (the cursor moves only from
 * where it was read).
 *
 * A message that does not open (no key for its publickey_ver, a failing SDK) stops the pull after
 * the messages before it are stored; the cursor waits there and the reason is kept on the cursor
 * row (last_error) and logged, until a pull gets past it. SDK and WeCom failures of the pull
 * itself throw, after recording the reason the same way.
 */
export function pullArchive(ctx: AppContext, now: () => number = ctx.clock ?? Date.now): Promise<PullResult> {
  const services = ctx.archive;
  if (!services) throw new Error('the chat archive is off (set ARCHIVE_SECRET)');
  const current = running.get(services);
  if (current) return current;
  const pull = pullUntilCaughtUp(ctx, services, now).finally(() => running.delete(services));
  running.set(services, pull);
  return pull;
}

async function pullUntilCaughtUp(ctx: AppContext, services: ArchiveServices, now: () => number): Promise<PullResult> {
  const settings = archiveConfigOf(ctx.config);
  const result: PullResult = { pulled: 0, stored: 0, duplicates: 0, recalled: 0, skipped: {}, seq: await readCursor(ctx, now()), caughtUp: false };
  try {
    for (;;) {
      const sealed = await services.sdk.getChatData(result.seq, settings.pullLimit, { proxy: settings.proxy, proxyPassword: settings.proxyPassword, timeoutSeconds: 30 });
      // Only what is after the cursor, in seq order, whatever the SDK does.
      const batch = sealed.filter((m) => m.seq > result.seq).sort((a, b) => a.seq - b.seq);
      if (batch.length === 0) {
        result.caughtUp = true;
        break;
      }
      const { opened, failure } = await openBatch(services, batch);
      result.pulled += batch.length;
      if (opened.length) {
        const plan = await landMessages(ctx.dataSource.manager, services, opened, now());
        const toSeq = opened[opened.length - 1].seq;
        const stored = await storeBatch(ctx, plan, result.seq, toSeq, now());
        result.stored += stored.stored;
        result.duplicates += stored.duplicates;
        result.recalled += stored.recalled;
        for (const [reason, count] of Object.entries(plan.skipped)) result.skipped[reason as SkipReason] = (result.skipped[reason as SkipReason] ?? 0) + count;
        result.seq = toSeq;
      }
      if (failure) {
        result.stoppedBy = `seq ${failure.seq} (msgid ${failure.msgid}) does not open: ${failure.reason} [${failure.code}]`;
        ctx.logger.error({ archive: { seq: failure.seq, msgid: failure.msgid, code: failure.code } }, `chat archive stopped: ${result.stoppedBy}`);
        await noteCursor(ctx, { lastError: result.stoppedBy.slice(0, 500) });
        return result;
      }
      if (sealed.length < settings.pullLimit) {
        result.caughtUp = true;
        break;
      }
    }
    await noteCursor(ctx, { lastError: null, caughtUpAt: now() });
    return result;
  } catch (error) {
    if (error instanceof CursorMovedError) {
      result.stoppedBy = error.message;
      return result;
    }
    await noteCursor(ctx, { lastError: `pull failed: ${(error as Error).message}`.slice(0, 500) }).catch(() => undefined);
    throw error;
  }
}

/** The cursor's seq; the row is created at 0 (GetChatData's start) the first time. */
async function readCursor(ctx: AppContext, now: number): Promise<number> {
  await ctx.dataSource.createQueryBuilder().insert().into(ArchiveCursor).values({ name: ARCHIVE_CURSOR, seq: 0, updatedAt: now, lastError: null, caughtUpAt: null }).orIgnore().execute();
  const row = await ctx.dataSource.getRepository(ArchiveCursor).findOneByOrFail({ name: ARCHIVE_CURSOR });
  return row.seq;
}

async function noteCursor(ctx: AppContext, fields: Partial<Pick<ArchiveCursor, 'lastError' | 'caughtUpAt'>>): Promise<void> {
  await ctx.dataSource.getRepository(ArchiveCursor).update({ name: ARCHIVE_CURSOR }, fields);
}

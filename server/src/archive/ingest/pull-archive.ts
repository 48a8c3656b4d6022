import type { AppContext } from '../../context';
import { archiveConfigOf } from '../archive-config';
import type { ArchiveServices } from '../archive-services';
import { ArchiveCursor } from './archive-cursor.entity';
import { landMessages, SkipReason } from './land-messages';
import { openBatch } from './open-batch';
import { FinanceSdkError, type SealedMessage } from '../sdk/finance-sdk';
import { ARCHIVE_CURSOR, CursorMovedError, storeBatch } from './store-batch';
import { getGroupChat } from '../../wecom/contact-api';
import { WecomApiError } from '../../wecom/errors';

/** WeCom's errcode for a pull that asks for too much at once (wecom-reference.md §7). */
const PULL_TOO_LARGE = 301058;

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
  /** The pull used its time (`forMs`) before catching up: the caller queues the next one. */
  more?: boolean;
}

export interface PullOptions {
  /**
   * Stop after the batch that ends past this many ms of wall time: a backlog read in one go takes
   * an hour of RSA (docs/benchmarks.md), longer than a job's lease holds; the rest is the next pull's.
   */
  forMs?: number;
}

/**
 * One pull at a time per process. A call while one runs (a notify, the schedule) joins it and
 * asks for one more round after it: the running pull may have read WeCom's end just before the
 * messages that call was about, and WeCom will not announce them again.
 */
interface RunningPull {
  promise: Promise<PullResult>;
  again: boolean;
}
const running = new WeakMap<object, RunningPull>();

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
export function pullArchive(ctx: AppContext, now: () => number = ctx.clock ?? Date.now, options: PullOptions = {}): Promise<PullResult> {
  const services = ctx.archive;
  if (!services) throw new Error('the chat archive is off (set ARCHIVE_SECRET)');
  const current = running.get(services);
  if (current) {
    current.again = true;
    return current.promise;
  }
  const entry: RunningPull = { again: false, promise: Promise.resolve(null as never) };
  entry.promise = (async () => {
    try {
      const deadline = options.forMs === undefined ? Infinity : Date.now() + options.forMs;
      let result = await pullUntilCaughtUp(ctx, services, now, deadline);
      while (entry.again && !result.stoppedBy && !result.more) {
        entry.again = false;
        result = addUp(result, await pullUntilCaughtUp(ctx, services, now, deadline));
      }
      return result;
    } finally {
      running.delete(services);
    }
  })();
  running.set(services, entry);
  return entry.promise;
}

function addUp(a: PullResult, b: PullResult): PullResult {
  const skipped = { ...a.skipped };
  for (const [reason, n] of Object.entries(b.skipped)) skipped[reason as SkipReason] = (skipped[reason as SkipReason] ?? 0) + n;
  return { ...b, pulled: a.pulled + b.pulled, stored: a.stored + b.stored, duplicates: a.duplicates + b.duplicates, recalled: a.recalled + b.recalled, skipped };
}

async function pullUntilCaughtUp(ctx: AppContext, services: ArchiveServices, now: () => number, deadline: number): Promise<PullResult> {
  const settings = archiveConfigOf(ctx.config);
  const result: PullResult = { pulled: 0, stored: 0, duplicates: 0, recalled: 0, skipped: {}, seq: await readCursor(ctx, now()), caughtUp: false };
  try {
    let limit = settings.pullLimit;
    for (;;) {
      let sealed: SealedMessage[];
      try {
        sealed = await services.sdk.getChatData(result.seq, limit, { proxy: settings.proxy, proxyPassword: settings.proxyPassword, timeoutSeconds: 30 });
      } catch (error) {
        // 301058: this pull is too large for WeCom; ask for half as many until it passes.
        if (error instanceof FinanceSdkError && error.code === PULL_TOO_LARGE && limit > 1) {
          limit = Math.ceil(limit / 2);
          ctx.logger.warn({ archive: { limit } }, 'WeCom found the archive pull too large (301058); pulling fewer messages at a time');
          continue;
        }
        throw error;
      }
      // Only what is after the cursor, in seq order, whatever the SDK does.
      const batch = sealed.filter((m) => m.seq > result.seq).sort((a, b) => a.seq - b.seq);
      if (batch.length === 0) {
        result.caughtUp = true;
        break;
      }
      const { opened, failure } = await openBatch(services, batch);
      result.pulled += batch.length;
      if (opened.length) {
        const plan = await landMessages(ctx.dataSource.manager, services, opened, now(), { groupOwner: (roomId) => groupOwnerFromWecom(ctx, roomId) });
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
      if (sealed.length < limit) {
        result.caughtUp = true;
        break;
      }
      if (Date.now() >= deadline) {
        result.more = true;
        break;
      }
    }
    await noteCursor(ctx, result.caughtUp ? { lastError: null, caughtUpAt: now() } : { lastError: null });
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

/**
 * WeCom has no such customer group (dismissed long ago, or not a customer group). 40050 is the
 * simulator's answer (wecom/simulator/errors.ts); WeCom's own code is not in our reference.
 */
const NO_SUCH_GROUP = new Set([40050]);

async function groupOwnerFromWecom(ctx: AppContext, roomId: string): Promise<string | null> {
  try {
    return (await getGroupChat(ctx.wecom.contact, roomId)).group_chat?.owner ?? null;
  } catch (error) {
    // Any other failure stops the pull (retried later): nothing is judged on a guess.
    if (error instanceof WecomApiError && NO_SUCH_GROUP.has(error.errcode)) return null;
    throw error;
  }
}

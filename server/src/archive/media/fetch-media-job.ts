import { createHash } from 'node:crypto';
import type { AppContext } from '../../context';
import type { Job } from '../../jobs/job.entity';
import { archiveConfigOf } from '../archive-config';
import { ChatMessage, MediaStatus } from '../messages/chat-message.entity';
import { FinanceSdkError, type FinanceSdk, type PullOptions } from '../sdk/finance-sdk';
import { announcedMediaSize, mediaContentType, mediaExtension, mediaKeyFor } from './media-naming';

export const ARCHIVE_MEDIA_JOB = 'archive.media';

export interface FetchMediaPayload {
  messageId: number;
}

/** Seconds one GetMediaData chunk (≤ 512 KB) may take. */
const CHUNK_TIMEOUT_SECONDS = 30;

/** The archive is off in this process: the job waits (backoff) rather than being lost. */
export class ArchiveOffError extends Error {
  constructor() {
    super('the chat archive is off in this process (no ARCHIVE_SECRET): media cannot be fetched');
  }
}

/** Bytes that do not hash to the message's md5sum: a transfer gone wrong, worth another try. */
export class MediaChecksumError extends Error {}

/**
 * Job `archive.media` (enqueued with the message by ingestion): downloads a media message's file
 * with GetMediaData, 512 KB at a time, and keeps it in the media store under
 * `<yyyy-mm>/<msgid>.<ext>`, then marks the row `stored`. Only a `pending` row is worked on, so
 * a re-run (a lost completion, a replayed job) stores nothing twice.
 *
 * - Over ARCHIVE_MEDIA_MAX_BYTES, by the size the message announces or by the bytes counted while
 *   downloading: `too_large`, nothing kept (media_size holds the size the message announced, when
 *   that is what was over).
 * - Network, parse and system errors of the SDK (10001–10003), an md5 mismatch, a store that
 *   fails: thrown, so the job worker retries with backoff; the row stays `pending`. A job that
 *   dies after its attempts leaves it `pending` too, and replaying it fetches the file.
 * - Other SDK errors (10005 unknown sdkfileid, 10010 expired…): `failed`, the job done. The code
 *   goes to the log, not the row: the body stays WeCom's message as sent, and a rep only needs to
 *   know the file is not available.
 * - The archive off in this process (ctx.archive absent): thrown, not skipped. A message was only
 *   written while the archive was on, so this is a process configured differently from the one
 *   that wrote it, or an archive switched off for a while; retrying lets an archive-on worker or a
 *   later start take it, and a job that dies of it can be replayed from the operations page, where
 *   a skipped one would leave the row pending with nothing left to fetch it.
 */
export async function fetchMediaJob(job: Job, ctx: AppContext) {
  const messageId = Number((job.payload as Partial<FetchMediaPayload>).messageId);
  if (!Number.isSafeInteger(messageId) || messageId <= 0) return 'ignored' as const;
  const messages = ctx.dataSource.getRepository(ChatMessage);
  const message = await messages.findOneBy({ id: messageId });
  if (!message || message.mediaStatus !== 'pending') return 'skipped' as const;
  const log = ctx.logger.child({ job: job.id, messageId, msgid: message.msgid });

  // Only a pending row changes, so two runs that overlap (a lease taken over) settle it once.
  const settle = (status: MediaStatus, fields: Partial<Pick<ChatMessage, 'mediaKey' | 'mediaSize'>> = {}) =>
    messages.update({ id: messageId, mediaStatus: 'pending' }, { mediaStatus: status, ...fields });

  // The row's body is the message's msgtype body: {sdkfileid, md5sum, filesize…}.
  const media = message.body ?? {};
  const sdkFileId = media.sdkfileid;
  if (typeof sdkFileId !== 'string' || sdkFileId === '') {
    log.warn('archived media message without an sdkfileid: marked failed');
    await settle('failed');
    return 'done' as const;
  }

  const settings = archiveConfigOf(ctx.config);
  const maxBytes = settings.media.maxBytes;
  const announced = announcedMediaSize(media);
  if (announced !== null && announced > maxBytes) {
    log.info({ size: announced, maxBytes }, 'archived media over the size limit: not downloaded');
    await settle('too_large', { mediaSize: announced });
    return 'done' as const;
  }

  if (!ctx.archive) throw new ArchiveOffError();

  const pullOptions: PullOptions = { proxy: settings.proxy, proxyPassword: settings.proxyPassword, timeoutSeconds: CHUNK_TIMEOUT_SECONDS };
  let data: Buffer | 'too_large';
  try {
    data = await downloadMedia(ctx.archive.sdk, sdkFileId, maxBytes, pullOptions);
  } catch (error) {
    if (error instanceof FinanceSdkError && !error.retryable) {
      log.warn({ code: error.code, reason: error.message }, 'archived media cannot be downloaded: marked failed');
      await settle('failed');
      return 'done' as const;
    }
    throw error;
  }
  if (data === 'too_large') {
    log.info({ maxBytes }, 'archived media grew over the size limit while downloading: dropped');
    await settle('too_large');
    return 'done' as const;
  }

  const md5sum = typeof media.md5sum === 'string' ? media.md5sum.toLowerCase() : '';
  if (md5sum) {
    const got = createHash('md5').update(data).digest('hex');
    if (got !== md5sum) throw new MediaChecksumError(`downloaded media hashes to ${got}, the message says ${md5sum}`);
  }

  const ext = mediaExtension(message.msgtype, media);
  const key = mediaKeyFor(message.msgid, message.sentAt, ext);
  await ctx.archive.media.put(key, data, mediaContentType(ext));
  await settle('stored', { mediaKey: key, mediaSize: data.length });
  return 'done' as const;
}

/** GetMediaData from '' until isFinish, following outIndexBuf; 'too_large' as soon as the bytes pass `maxBytes`. */
async function downloadMedia(sdk: FinanceSdk, sdkFileId: string, maxBytes: number, options: PullOptions): Promise<Buffer | 'too_large'> {
  const parts: Buffer[] = [];
  let total = 0;
  let indexBuf = '';
  for (;;) {
    const chunk = await sdk.getMediaData(sdkFileId, indexBuf, options);
    total += chunk.data.length;
    if (total > maxBytes) return 'too_large';
    parts.push(chunk.data);
    if (chunk.isFinish) return Buffer.concat(parts, total);
    // An empty chunk that is not the last, or an index that does not move, would loop forever.
    if (chunk.data.length === 0 || chunk.outIndexBuf === indexBuf) throw new FinanceSdkError(10002, 'GetMediaData made no progress before the end of the file');
    indexBuf = chunk.outIndexBuf;
  }
}

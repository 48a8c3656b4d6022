import type { EntityManager } from 'typeorm';
import type { AppContext } from '../context';
import { Job } from '../jobs/job.entity';
import type { WelcomeEntry } from '../inbox/handlers';
import { PermanentJobFailure } from '../jobs/job-worker';
import { recordOnLead, recordOnLeadsLater } from '../leads/jobs/record-on-lead';
import { ERRCODE, WecomApiError } from '../wecom/errors';
import { Channel } from './channel.entity';
import { recentChannelForState } from './attribution';

/** A welcome as the lane hands it over (inbox/welcome-queue.ts welcomeFromRow). */
interface WelcomePayload {
  welcomeCode: string;
  userId: string;
  externalUserId: string;
  state: string | null;
  receivedAt: number;
  /**
   * Stored (inbox_event.welcome_may_have_sent_at) before each send_welcome_msg whose outcome is not yet known, cleared only
   * when WeCom's answer shows it did not act. Set on a later run means an earlier request of ours
   * may have delivered the welcome (the process died mid-call, or the answer was lost), so a
   * "code already used" is our own success, and an unsent welcome may in fact have arrived.
   */
  mayHaveSentAt?: number | null;
  /**
   * The mark above was stored by callback intake for this very run (a welcome this process took
   * in and sends at once, inbox/local-intake.ts): not an earlier request's, and already stored.
   */
  markedByIntake?: boolean;
}

function welcomeBody(channel: Channel) {
  const attachments = channel.welcomeMiniprogram
    ? [
        {
          msgtype: 'miniprogram',
          miniprogram: {
            title: channel.welcomeMiniprogram.title,
            pic_media_id: channel.welcomeMiniprogram.picMediaId,
            appid: channel.welcomeMiniprogram.appid,
            page: channel.welcomeMiniprogram.page,
          },
        },
      ]
    : [];
  return {
    ...(channel.welcomeText ? { text: { content: channel.welcomeText } } : {}),
    ...(attachments.length ? { attachments } : {}),
  };
}

/**
 * The code's 20 s ran out before it could be used (a backlog, or a callback WeCom could only
 * deliver after an outage). Nothing can send this welcome any more, so it is dead-lettered at
 * once rather than retried; the dead-lettering tells the rep (noteExpiredWelcomes).
 */
export class WelcomeCodeExpiredError extends PermanentJobFailure {
  constructor(reason: string) {
    super(`welcome code expired before it could be sent (${reason})`);
    this.name = 'WelcomeCodeExpiredError';
  }
}

/** Whether WeCom may have delivered this job's welcome although we never heard it succeed. */
const mayHaveSent = (payload: WelcomePayload) => payload.mayHaveSentAt != null;

/**
 * The rep's note for a welcome that will never be sent by us. `cause` is what dead-lettered it:
 * none (the sweep) or an expired code reads "not within 20 s"; anything else "sending failed".
 */
function expiredEntry(payload: WelcomePayload, cause?: unknown) {
  const outcomeUnknown = mayHaveSent(payload);
  const expired = cause === undefined || cause instanceof WelcomeCodeExpiredError;
  const summary = outcomeUnknown
    ? expired
      ? '渠道欢迎语可能未送达（之前的发送结果未知，欢迎码已过期），如客户未收到请手动问候'
      : '渠道欢迎语可能未送达（发送结果未知，已停止重试），如客户未收到请手动问候'
    : expired
      ? '渠道欢迎语未能在企业微信规定的 20 秒内发出，请手动问候客户'
      : '渠道欢迎语发送失败，请手动问候客户';
  return {
    kind: 'welcome.expired',
    summary,
    data: {
      state: payload.state,
      delayMs: Date.now() - payload.receivedAt,
      outcomeUnknown,
      ...(expired ? {} : { error: String((cause as Error)?.message ?? cause).slice(0, 300) }),
    },
    // Same key as welcome.sent: a lead shows one outcome per welcome code.
    dedupKey: `welcome:${payload.welcomeCode}`,
  };
}

/** The channel's welcome for a job, or null when there is nothing to send (organic add, no text). */
async function welcomeOf(manager: EntityManager, payload: WelcomePayload) {
  const channel = await recentChannelForState(manager, payload.state);
  const body = channel ? welcomeBody(channel) : {};
  return channel && Object.keys(body).length > 0 ? { channel, body } : null;
}

/**
 * For welcome jobs as they are dead-lettered, in the transaction that dead-letters them: in bulk
 * by the welcome lane's sweep (MySQL; no `cause`), or one by one by the queue worker (an expired
 * code, 41050, or failures until the deadline or the attempts ran out; `cause` is the last
 * error). Every way a welcome dies passes here, so each tells the rep exactly once. Only jobs
 * that had something to send: an organic add's code expiring is no news to the rep.
 */
export async function noteExpiredWelcomes(jobs: Job[], manager: EntityManager, cause?: unknown): Promise<void> {
  const notes = [];
  for (const job of jobs) {
    const payload = job.payload as unknown as WelcomePayload;
    if (job.kind !== 'welcome' || !(await welcomeOf(manager, payload))) continue;
    notes.push({ externalUserId: payload.externalUserId, entry: expiredEntry(payload, cause) });
  }
  await recordOnLeadsLater(manager, notes);
}

/** Another worker holds this welcome now (our lease ran out): it must not be sent from here. */
export class WelcomeLeaseLostError extends Error {
  constructor() {
    super('welcome lease lost before sending');
    this.name = 'WelcomeLeaseLostError';
  }
}

/**
 * Stores (or clears) the mark on the welcome's inbox row before WeCom is asked, so it survives
 * the process dying mid-call. Only while this worker holds the welcome's lease: a worker whose
 * lease ran out must not send, and must not wipe the mark of the one that now holds it.
 */
async function markMayHaveSent(ctx: AppContext, job: Job, at: number | null): Promise<void> {
  const payload = job.payload as unknown as WelcomePayload;
  // In memory too: the dead-letter note reads it from this very object.
  payload.mayHaveSentAt = at;
  const runner = ctx.dataSource.createQueryRunner();
  try {
    const result = await runner.query(
      `UPDATE inbox_event SET welcome_may_have_sent_at = ? WHERE id = ? AND welcome_lease_owner = ? AND welcome_status = 'pending'`,
      [at, job.id, job.leaseOwner],
      true,
    );
    if ((result.affected ?? 0) !== 1) throw new WelcomeLeaseLostError();
  } finally {
    await runner.release();
  }
}

/**
 * The welcome lane's handler (a welcome lives on its inbox row, see inbox/welcome-queue.ts; it
 * comes here in the shape of a job whose id is the inbox row's): the channel's welcome message
 * through send_welcome_msg, inside the code's 20 s.
 * The code is single-use, so WeCom itself guarantees no customer gets two; 41051 after a request
 * of ours that may have reached WeCom means that request went through.
 */
export async function welcomeJob(job: Job, ctx: AppContext, record?: (entry: WelcomeEntry) => Promise<void>) {
  const payload = job.payload as unknown as WelcomePayload;
  // What happened goes on the lead's timeline: here, or by the caller (a welcome sent just
  // before its capture is recorded by the capture's own INSERT, inbox/local-intake.ts).
  const note = record ?? ((entry: WelcomeEntry) => recordOnLead(ctx, payload.externalUserId, entry));
  // Intake's mark says a request may leave; until one does, a failure takes it back, so nobody
  // later reads "may have been sent" into a welcome that never went out.
  const unmarkIfNothingSent = async () => {
    if (payload.markedByIntake) await markMayHaveSent(ctx, job, null);
  };
  let welcome: Awaited<ReturnType<typeof welcomeOf>>;
  try {
    welcome = await welcomeOf(ctx.dataSource.manager, payload);
  } catch (error) {
    await unmarkIfNothingSent().catch(() => undefined);
    throw error;
  }
  if (!welcome) return 'skipped' as const;
  const { channel, body } = welcome;
  if (job.deadlineAt != null && Date.now() >= job.deadlineAt) {
    await unmarkIfNothingSent();
    throw new WelcomeCodeExpiredError('claimed after its deadline');
  }
  const dedupKey = `welcome:${payload.welcomeCode}`;
  // Judged by what was sent, not by the attempt count: an attempt may end before its request
  // leaves (token trouble), and one request may be retried inside the client after its answer
  // was lost, the retry then hearing "already used" about our own delivery.
  const sentEarlier = mayHaveSent(payload) && !payload.markedByIntake;
  let unanswered = false;
  let confirmedByUsedCode = false;
  if (!sentEarlier && !payload.markedByIntake) await markMayHaveSent(ctx, job, Date.now());
  try {
    await ctx.wecom.contact.post(
      'externalcontact/send_welcome_msg',
      { welcome_code: payload.welcomeCode, ...body },
      { deadlineAt: job.deadlineAt ?? undefined, retryOnNetworkError: true, onUnanswered: () => (unanswered = true) },
    );
  } catch (error) {
    const ours = sentEarlier || unanswered;
    if (error instanceof WecomApiError && error.errcode === ERRCODE.WELCOME_CODE_USED) {
      if (!ours) {
        // Our first request to reach WeCom, and already used: another receiving app (or the
        // admin console) welcomed them.
        await note({
          kind: 'welcome.skipped',
          summary: '欢迎语已由其他应用发送，本渠道欢迎语未发送',
          data: { channelId: channel.id, errcode: error.errcode },
          dedupKey,
        });
        return 'skipped' as const;
      }
      ctx.logger.info({ jobId: job.id }, 'welcome code already used: by our own earlier request, whose answer was lost');
      confirmedByUsedCode = true;
    } else {
      // Every request was answered, with an error: WeCom did not act, so the mark goes.
      if (!ours) await markMayHaveSent(ctx, job, null).catch((e) => ctx.logger.warn({ jobId: job.id, err: (e as Error).message }, 'could not clear the welcome send mark'));
      if (error instanceof WecomApiError && error.errcode === ERRCODE.WELCOME_CODE_INVALID) throw new WelcomeCodeExpiredError('WeCom answered 41050');
      throw error;
    }
  }
  const delayMs = Date.now() - payload.receivedAt;
  await note({
    kind: 'welcome.sent',
    summary: `已发送渠道「${channel.name}」的欢迎语`,
    data: { channelId: channel.id, delayMs, ...(confirmedByUsedCode ? { confirmedBy: 'code already used' } : {}) },
    dedupKey,
  });
  return 'done' as const;
}

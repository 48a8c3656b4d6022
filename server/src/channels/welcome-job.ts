import type { EntityManager } from 'typeorm';
import type { AppContext } from '../context';
import type { Job } from '../jobs/job.entity';
import { PermanentJobFailure } from '../jobs/job-worker';
import { recordOnLead, recordOnLeadsLater } from '../leads/jobs/record-on-lead';
import { ERRCODE, WecomApiError } from '../wecom/errors';
import { Channel } from './channel.entity';
import { recentChannelForState } from './attribution';

interface WelcomePayload {
  welcomeCode: string;
  userId: string;
  externalUserId: string;
  state: string | null;
  receivedAt: number;
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
 * once rather than retried, and the rep is told on the lead's timeline to greet the customer.
 */
export class WelcomeCodeExpiredError extends PermanentJobFailure {
  constructor(reason: string) {
    super(`welcome code expired before it could be sent (${reason})`);
    this.name = 'WelcomeCodeExpiredError';
  }
}

function expiredEntry(payload: WelcomePayload, outcomeUnknown = false) {
  return {
    kind: 'welcome.expired',
    summary: outcomeUnknown
      ? '渠道欢迎语可能未送达（之前的发送结果未知，欢迎码已过期），如客户未收到请手动问候'
      : '渠道欢迎语未能在企业微信规定的 20 秒内发出，请手动问候客户',
    data: { state: payload.state, delayMs: Date.now() - payload.receivedAt, outcomeUnknown },
    // Same key as welcome.sent: a lead shows one outcome per welcome code.
    dedupKey: `welcome:${payload.welcomeCode}`,
  };
}

/** An earlier attempt may have reached WeCom with its answer lost: then we cannot say it failed. */
async function recordExpired(ctx: AppContext, job: Job, payload: WelcomePayload, reason: string): Promise<never> {
  await recordOnLead(ctx, payload.externalUserId, expiredEntry(payload, job.attempts > 1));
  throw new WelcomeCodeExpiredError(reason);
}

/** The channel's welcome for a job, or null when there is nothing to send (organic add, no text). */
async function welcomeOf(manager: EntityManager, payload: WelcomePayload) {
  const channel = await recentChannelForState(manager, payload.state);
  const body = channel ? welcomeBody(channel) : {};
  return channel && Object.keys(body).length > 0 ? { channel, body } : null;
}

/**
 * For welcomes dead-lettered in bulk by the welcome lane's sweep (MySQL), in its transaction.
 * Only those that had something to send: an organic add's code expiring is no news to the rep.
 */
export async function noteExpiredWelcomes(jobs: Job[], manager: EntityManager): Promise<void> {
  const notes = [];
  for (const job of jobs) {
    const payload = job.payload as unknown as WelcomePayload;
    if (job.kind !== 'welcome' || !(await welcomeOf(manager, payload))) continue;
    notes.push({ externalUserId: payload.externalUserId, entry: expiredEntry(payload, job.attempts > 0) });
  }
  await recordOnLeadsLater(manager, notes);
}

/**
 * Job `welcome`: the channel's welcome message through send_welcome_msg, inside the code's 20 s.
 * The code is single-use, so WeCom itself guarantees no customer gets two; 41051 after an
 * earlier attempt of ours means that attempt went through.
 */
export async function welcomeJob(job: Job, ctx: AppContext) {
  const payload = job.payload as unknown as WelcomePayload;
  const welcome = await welcomeOf(ctx.dataSource.manager, payload);
  if (!welcome) return 'skipped' as const;
  const { channel, body } = welcome;
  if (job.deadlineAt != null && Date.now() >= job.deadlineAt) return recordExpired(ctx, job, payload, 'claimed after its deadline');
  const dedupKey = `welcome:${payload.welcomeCode}`;
  try {
    await ctx.wecom.contact.post(
      'externalcontact/send_welcome_msg',
      { welcome_code: payload.welcomeCode, ...body },
      { deadlineAt: job.deadlineAt ?? undefined, retryOnNetworkError: true },
    );
  } catch (error) {
    if (error instanceof WecomApiError && error.errcode === ERRCODE.WELCOME_CODE_INVALID) return recordExpired(ctx, job, payload, 'WeCom answered 41050');
    if (!(error instanceof WecomApiError && error.errcode === ERRCODE.WELCOME_CODE_USED)) throw error;
    if (job.attempts === 1) {
      // First try and already used: another receiving app (or the admin console) welcomed them.
      await recordOnLead(ctx, payload.externalUserId, {
        kind: 'welcome.skipped',
        summary: '欢迎语已由其他应用发送，本渠道欢迎语未发送',
        data: { channelId: channel.id, errcode: error.errcode },
        dedupKey,
      });
      return 'skipped' as const;
    }
    ctx.logger.info({ jobId: job.id }, 'welcome code already used by our earlier attempt');
  }
  const delayMs = Date.now() - payload.receivedAt;
  await recordOnLead(ctx, payload.externalUserId, {
    kind: 'welcome.sent',
    summary: `已发送渠道「${channel.name}」的欢迎语`,
    data: { channelId: channel.id, delayMs },
    dedupKey,
  });
  return 'done' as const;
}

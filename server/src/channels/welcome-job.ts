import type { AppContext } from '../context';
import type { Job } from '../jobs/job.entity';
import { recordOnLead } from '../leads/jobs/record-on-lead';
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
 * Job `welcome`: the channel's welcome message through send_welcome_msg, inside the code's 20 s.
 * The code is single-use, so WeCom itself guarantees no customer gets two; 41051 after an
 * earlier attempt of ours means that attempt went through.
 */
export async function welcomeJob(job: Job, ctx: AppContext) {
  const payload = job.payload as unknown as WelcomePayload;
  const channel = await recentChannelForState(ctx.dataSource.manager, payload.state);
  const body = channel ? welcomeBody(channel) : {};
  if (!channel || Object.keys(body).length === 0) return 'skipped' as const;
  const dedupKey = `welcome:${payload.welcomeCode}`;
  try {
    await ctx.wecom.contact.post(
      'externalcontact/send_welcome_msg',
      { welcome_code: payload.welcomeCode, ...body },
      { deadlineAt: job.deadlineAt ?? undefined, retryOnNetworkError: true },
    );
  } catch (error) {
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

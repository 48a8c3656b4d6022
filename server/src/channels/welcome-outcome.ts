import type { AppContext } from '../context';
import { enqueueJob, PRIORITY } from '../jobs/enqueue';
import type { Job } from '../jobs/job.entity';
import { addTimelineEntry } from '../leads/timeline';
import type { Channel } from './channel.entity';

/**
 * The lead's `welcome.sent` entry. The welcome job usually finishes before the lead is captured
 * (it has its own lane and no WeCom lookup to wait for), so whichever of the two comes second
 * writes the entry: the job if the lead already exists, else the capture, right after its commit.
 * Each side writes first and reads the other's state after, so one of them always sees it; a
 * capture that finds the welcome still in flight leaves a `welcome.note` job to finish the entry.
 * The dedup key makes two writes one entry.
 */
export function welcomeSentEntry(leadId: number, welcomeCode: string, channel: Pick<Channel, 'id' | 'name'>, delayMs: number) {
  return {
    leadId,
    kind: 'welcome.sent',
    summary: `已发送渠道「${channel.name}」的欢迎语`,
    data: { channelId: channel.id, delayMs },
    dedupKey: `welcome:${welcomeCode}`,
  };
}

interface WelcomeJobState {
  status: string;
  finished_at: number | string | null;
  payload: string;
}

async function welcomeJobState(ctx: AppContext, welcomeCode: string): Promise<WelcomeJobState | undefined> {
  const [row] = await ctx.dataSource.query(`SELECT status, finished_at, payload FROM job WHERE dedup_key = ?`, [`welcome:${welcomeCode}`]);
  return row as WelcomeJobState | undefined;
}

/** The welcome job's own record: delay from the callback to the job's end. */
function delayOf(state: WelcomeJobState): number {
  const receivedAt = Number((JSON.parse(state.payload) as { receivedAt?: number }).receivedAt ?? 0);
  return receivedAt ? Math.max(0, Number(state.finished_at) - receivedAt) : 0;
}

/** Called by the capture after its transaction committed the lead. */
export async function noteWelcomeAfterCapture(ctx: AppContext, input: { leadId: number; welcomeCode: string; channel: Channel }): Promise<void> {
  const state = await welcomeJobState(ctx, input.welcomeCode);
  if (state?.status === 'done') {
    await addTimelineEntry(ctx.dataSource.manager, welcomeSentEntry(input.leadId, input.welcomeCode, input.channel, delayOf(state)));
  } else if (state?.status === 'pending') {
    await enqueueJob(ctx.dataSource.manager, {
      kind: 'welcome.note',
      dedupKey: `welcome-note:${input.welcomeCode}`,
      payload: { leadId: input.leadId, welcomeCode: input.welcomeCode, channel: { id: input.channel.id, name: input.channel.name } },
      priority: PRIORITY.background,
      availableAt: Date.now() + 1000,
    });
  }
  // skipped / dead: the welcome job wrote its own entry (or there is nothing to say).
}

export class WelcomeStillInFlightError extends Error {
  constructor(welcomeCode: string) {
    super(`welcome ${welcomeCode.slice(0, 8)}… still in flight`);
  }
}

/** Job `welcome.note`: the capture found the welcome in flight; write its entry once it is done. */
export async function welcomeNoteJob(job: Job, ctx: AppContext) {
  const { leadId, welcomeCode, channel } = job.payload as { leadId: number; welcomeCode: string; channel: Pick<Channel, 'id' | 'name'> };
  const state = await welcomeJobState(ctx, welcomeCode);
  // A welcome's lease is 21 s, so backoff retries see it end well before maxAttempts.
  if (state?.status === 'pending') throw new WelcomeStillInFlightError(welcomeCode);
  if (state?.status !== 'done') return 'skipped' as const;
  await addTimelineEntry(ctx.dataSource.manager, welcomeSentEntry(leadId, welcomeCode, channel, delayOf(state)));
  return 'done' as const;
}

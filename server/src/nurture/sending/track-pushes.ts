import { LessThanOrEqual } from 'typeorm';
import type { AppContext } from '../../context';
import { recordSendResults, type SendResult } from '../budget/ledger';
import { WecomApiError } from '../../wecom/errors';
import { NurtureStepRun, type StepRunStatus } from '../steps/step-run.entity';
import { cancelGroupMessage, groupMessageResults, groupMessageTasks, remindGroupMessage } from './group-message-api';
import { NurturePush } from './push.entity';
import { settleRuns } from './send-pushes';

const HOUR = 3_600_000;
/**
 * When an unconfirmed push is reminded (remind_groupmsg_send), counted from its submission:
 * three times within the first day, WeCom's documented most per message per 24 h.
 */
export const REMIND_AFTER_MS = [1 * HOUR, 4 * HOUR, 20 * HOUR] as const;
/** A push the member has not confirmed after this long is cancelled; its runs end `unconfirmed` and stop using the budget. */
export const CANCEL_UNCONFIRMED_AFTER_MS = 48 * HOUR;
/** Confirmed, but WeCom still says status 0 for some customers after this long: given up as unconfirmed. */
const RESULTS_GIVE_UP_AFTER_MS = 24 * HOUR;
/**
 * How often an unconfirmed push is looked at: every minute in its first hour (most reps confirm
 * soon after WeCom tells them, and the results should follow as soon), every 5 minutes after.
 * A confirmed one with results missing: every minute.
 */
export const UNCONFIRMED_CHECK_MS = 5 * 60_000;
export const EARLY_CHECK_MS = 60_000;
const EARLY_PERIOD_MS = HOUR;
export const unconfirmedCheckDelay = (ageMs: number) => (ageMs < EARLY_PERIOD_MS ? EARLY_CHECK_MS : UNCONFIRMED_CHECK_MS);
const RESULTS_CHECK_MS = 60_000;

const RESULT_STATUS: Record<1 | 2 | 3, StepRunStatus> = { 1: 'delivered', 2: 'not_friend', 3: 'over_cap' };

/** Every push due a look: see trackPush. */
export async function trackPushes(ctx: AppContext, now: number): Promise<number> {
  const due = await ctx.dataSource.getRepository(NurturePush).find({
    where: { status: 'awaiting', nextCheckAt: LessThanOrEqual(now) },
    order: { nextCheckAt: 'ASC' },
    take: 200,
  });
  for (const push of due) await trackPush(ctx, push, now);
  return due.length;
}

/**
 * One awaiting push: has the member confirmed (get_groupmsg_task)? Then its send results
 * (get_groupmsg_send_result) go into the ledger and settle the runs: 1 delivered, 2 not a
 * friend, 3 over the cap. Not confirmed: reminded on schedule (at most three times), and
 * cancelled after CANCEL_UNCONFIRMED_AFTER_MS. Every write is conditional or keyed, so two
 * instances tracking the same push at once record each result once.
 */
export async function trackPush(ctx: AppContext, push: NurturePush, now: number): Promise<void> {
  const client = ctx.wecom.contact;
  let confirmedAt = push.confirmedAt;
  if (confirmedAt === null) {
    const task = (await groupMessageTasks(client, push.msgid!)).find((t) => t.userid === push.sender);
    if (task?.status === 2) {
      confirmedAt = task.send_time ? task.send_time * 1000 : now;
      await ctx.dataSource.transaction(async (manager) => {
        await manager.getRepository(NurturePush).update({ id: push.id }, { confirmedAt });
        await manager.getRepository(NurtureStepRun).update({ pushId: push.id }, { confirmedAt });
      });
    }
  }
  if (confirmedAt === null) return remindOrCancel(ctx, push, now);

  const results = await groupMessageResults(client, push.msgid!, push.sender);
  const byCustomer = new Map(results.filter((r) => r.external_userid).map((r) => [r.external_userid!, r]));
  const waiting = await ctx.dataSource.getRepository(NurtureStepRun).find({
    select: { id: true, leadId: true, externalUserId: true, sequenceKey: true },
    where: { pushId: push.id, status: 'awaiting' },
  });
  const giveUp = now - confirmedAt >= RESULTS_GIVE_UP_AFTER_MS;
  const ledger: SendResult[] = [];
  const settled = new Map<string, { ids: number[]; detail: string | null }>();
  const settle = (status: string, id: number, detail: string | null = null) => {
    const entry = settled.get(status) ?? { ids: [], detail };
    entry.ids.push(id);
    settled.set(status, entry);
  };
  let pending = 0;
  for (const run of waiting) {
    const result = byCustomer.get(run.externalUserId!);
    if (!result) {
      // Not in the message at all: WeCom left them out (a fail_list we never saw, after a lost answer).
      settle('no_recipient', run.id, 'fail_list');
    } else if (result.status === 1 || result.status === 2 || result.status === 3) {
      ledger.push({
        msgid: push.msgid!,
        externalUserId: run.externalUserId!,
        leadId: run.leadId,
        sender: push.sender,
        source: `sequence:${run.sequenceKey}`.slice(0, 64),
        status: result.status,
        sentAt: result.send_time ? result.send_time * 1000 : null,
      });
      settle(RESULT_STATUS[result.status], run.id);
    } else if (giveUp) settle('unconfirmed', run.id, 'status_0');
    else pending++;
  }
  await ctx.dataSource.transaction(async (manager) => {
    await recordSendResults(manager, ledger, now);
    for (const [status, { ids, detail }] of settled) await settleRuns(manager, ids, 'awaiting', status, detail, now);
    await manager
      .getRepository(NurturePush)
      .update({ id: push.id, status: 'awaiting' }, pending ? { nextCheckAt: now + RESULTS_CHECK_MS } : { status: 'done', finishedAt: now, nextCheckAt: null });
  });
}

async function remindOrCancel(ctx: AppContext, push: NurturePush, now: number): Promise<void> {
  const repo = ctx.dataSource.getRepository(NurturePush);
  const age = now - push.submittedAt!;
  if (age >= CANCEL_UNCONFIRMED_AFTER_MS) {
    await cancelGroupMessage(ctx.wecom.contact, push.msgid!);
    await ctx.dataSource.transaction(async (manager) => {
      await manager.getRepository(NurturePush).update({ id: push.id, status: 'awaiting' }, { status: 'cancelled', finishedAt: now, nextCheckAt: null });
      const ids = (await manager.getRepository(NurtureStepRun).find({ select: { id: true }, where: { pushId: push.id, status: 'awaiting' } })).map((r) => r.id);
      await settleRuns(manager, ids, 'awaiting', 'unconfirmed', 'cancelled', now);
    });
    ctx.logger.info({ pushId: push.id, msgid: push.msgid }, 'nurture push: never confirmed; cancelled');
    return;
  }
  let remindersSent = push.remindersSent;
  if (remindersSent < REMIND_AFTER_MS.length && age >= REMIND_AFTER_MS[remindersSent]) {
    // Counted before the call: a reminder that may have gone out is not sent again.
    const counted = await repo.update({ id: push.id, remindersSent }, { remindersSent: remindersSent + 1, lastRemindedAt: now });
    if (counted.affected) {
      remindersSent++;
      try {
        await remindGroupMessage(ctx.wecom.contact, push.msgid!);
      } catch (error) {
        // 45009: WeCom's reminders for this message are used up; anything else, the next check tries the next one.
        if (error instanceof WecomApiError && error.errcode === 45009) await repo.update({ id: push.id }, { remindersSent: REMIND_AFTER_MS.length });
        else ctx.logger.warn({ pushId: push.id, err: error }, 'nurture push: reminder failed');
      }
    }
  }
  await repo.update({ id: push.id, status: 'awaiting' }, { nextCheckAt: now + unconfirmedCheckDelay(age) });
}

import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import type { AppContext } from '../../context';
import { insertedId } from '../../db/inserted-id';
import { WecomApiError, WecomNetworkError } from '../../wecom/errors';
import type { Sequence } from '../sequences/schema';
import { listSequences } from '../sequences/sequences';
import { NurtureEnrollment } from '../enrollment/enrollment.entity';
import { NurtureStepRun } from '../steps/step-run.entity';
import { addMsgTemplate } from './group-message-api';
import { callingPushExists } from './reconcile-push';
import { NurturePush, type PushContent } from './push.entity';

/** WeCom's limit of customers per add_msg_template (wecom-reference.md §4.4). */
export const MAX_RECIPIENTS_PER_CALL = 10_000;
/** A push WeCom refused this many times with a "try again" error is given up. */
const MAX_ATTEMPTS = 5;
/** Tracking's first look at a new push: the member may confirm within minutes. */
export const FIRST_CHECK_AFTER_MS = 60_000;
/** WeCom: "no customer in the list can be sent to" (none is the sender's). */
const NO_SENDABLE_CUSTOMER = 41048;

/** The content of a push_content step, as add_msg_template takes it. */
export function pushContentOf(sequence: Sequence | undefined, stepId: string): PushContent | null {
  const step = sequence?.steps.find((s) => s.id === stepId);
  if (!step || step.action.type !== 'push_content') return null;
  return { ...(step.action.text ? { text: step.action.text } : {}), ...(step.action.attachments?.length ? { attachments: step.action.attachments } : {}) };
}

/**
 * Gathers queued push runs into pushes: one per (sender, sequence, step), at most 10,000
 * customers each, so one add_msg_template call carries everyone the member sends that content
 * to in this tick and the member confirms it once. Each push and its runs' `sending` mark are
 * one transaction; a run another instance took meanwhile is left to it.
 */
export async function batchQueuedPushes(ctx: AppContext, now: number): Promise<number> {
  let queued = await ctx.dataSource.getRepository(NurtureStepRun).find({
    select: { id: true, enrollmentId: true, sender: true, sequenceKey: true, stepId: true, externalUserId: true },
    where: { status: 'queued' },
    order: { id: 'ASC' },
    take: 5 * MAX_RECIPIENTS_PER_CALL,
  });
  if (queued.length === 0) return 0;
  // A lead that left the sequence (a reply, 退订, SQL…) between the decision and now gets nothing.
  const exited = new Set(
    (
      await ctx.dataSource.getRepository(NurtureEnrollment).find({
        select: { id: true },
        where: { id: In([...new Set(queued.map((r) => r.enrollmentId))]), status: 'exited' },
      })
    ).map((e) => e.id),
  );
  if (exited.size) {
    const gone = queued.filter((r) => exited.has(r.enrollmentId));
    await settleRuns(ctx.dataSource.manager, gone.map((r) => r.id), 'queued', 'skipped', 'exited', now);
    queued = queued.filter((r) => !exited.has(r.enrollmentId));
  }
  const sequences = new Map((await listSequences(ctx.dataSource)).map((i) => [i.key, i.sequence]));
  const groups = new Map<string, NurtureStepRun[]>();
  for (const run of queued) {
    const key = JSON.stringify([run.sender, run.sequenceKey, run.stepId]);
    const group = groups.get(key) ?? [];
    group.push(run);
    groups.set(key, group);
  }
  let created = 0;
  for (const runs of groups.values()) {
    const { sender, sequenceKey, stepId } = runs[0];
    // Until WeCom says whether an unanswered call of this content created it, no second one starts.
    if (await callingPushExists(ctx, sender!, sequenceKey, stepId)) continue;
    const content = pushContentOf(sequences.get(sequenceKey), stepId);
    if (!content) {
      // The step was edited away between the decision and now: nothing to send.
      await settleRuns(ctx.dataSource.manager, runs.map((r) => r.id), 'queued', 'failed', 'step_changed', now);
      continue;
    }
    for (let i = 0; i < runs.length; i += MAX_RECIPIENTS_PER_CALL) {
      const chunk = runs.slice(i, i + MAX_RECIPIENTS_PER_CALL);
      const took = await ctx.dataSource.transaction(async (manager) => {
        const pushId = insertedId(
          await manager
            .createQueryBuilder()
            .insert()
            .into(NurturePush)
            .values({ sender: sender!, sequenceKey, stepId, content: content as never, status: 'ready', attempts: 0, createdAt: now, remindersSent: 0 })
            .updateEntity(false)
            .execute(),
        );
        const marked = await manager
          .createQueryBuilder()
          .update(NurtureStepRun)
          .set({ status: 'sending', pushId })
          .where({ id: In(chunk.map((r) => r.id)), status: 'queued' })
          .execute();
        if (!marked.affected) throw new NothingTaken();
        return true;
      }).catch((error) => {
        if (error instanceof NothingTaken) return false;
        throw error;
      });
      if (took) created++;
    }
  }
  return created;
}

class NothingTaken extends Error {}

export async function settleRuns(manager: EntityManager, ids: number[], from: string, status: string, detail: string | null, now: number): Promise<void> {
  for (let i = 0; i < ids.length; i += 1000) {
    await manager
      .createQueryBuilder()
      .update(NurtureStepRun)
      .set({ status: status as never, detail, settledAt: now })
      .where({ id: In(ids.slice(i, i + 1000)), status: from })
      .execute();
  }
}

/** Calls add_msg_template for every `ready` push; see callPush. */
export async function sendReadyPushes(ctx: AppContext, now: number): Promise<number> {
  const ready = await ctx.dataSource.getRepository(NurturePush).find({ where: { status: 'ready' }, order: { id: 'ASC' }, take: 100 });
  let sent = 0;
  for (const push of ready) {
    if (await callingPushExists(ctx, push.sender, push.sequenceKey, push.stepId)) continue;
    if (await callPush(ctx, push, now)) sent++;
  }
  return sent;
}

/**
 * One push's add_msg_template call, exactly once in WeCom: the push is claimed (`ready` →
 * `calling`, with the attempt's start) in a committed UPDATE before the call, so a second instance
 * does not call too, and a crash or a lost answer leaves it `calling` for reconcile-push.ts to
 * find in WeCom's list before anything is sent again. WeCom's answer is written in one
 * transaction: the msgid, and each run `awaiting` (or `no_recipient` when WeCom put the customer
 * in fail_list: not the sender's customer any more).
 */
export async function callPush(ctx: AppContext, push: NurturePush, now: number): Promise<boolean> {
  const claimed = await ctx.dataSource
    .createQueryBuilder()
    .update(NurturePush)
    .set({ status: 'calling', attemptStartedAt: now, attempts: push.attempts + 1 })
    .where("id = :id AND status = 'ready' AND attempts = :attempts", { id: push.id, attempts: push.attempts })
    .execute();
  if (!claimed.affected) return false;
  const runs = await ctx.dataSource.getRepository(NurtureStepRun).find({ select: { id: true, externalUserId: true }, where: { pushId: push.id, status: 'sending' } });
  if (runs.length === 0) {
    await ctx.dataSource.getRepository(NurturePush).update({ id: push.id }, { status: 'done', finishedAt: now, error: 'no runs' });
    return false;
  }
  try {
    const reply = await addMsgTemplate(ctx.wecom.contact, push.sender, runs.map((r) => r.externalUserId!), push.content);
    await acceptPush(ctx, push.id, push.attempts + 1, reply.msgid, reply.fail_list ?? [], now);
    return true;
  } catch (error) {
    if (error instanceof WecomNetworkError) {
      // WeCom may have created it: left `calling`, reconciled once the call is surely over.
      ctx.logger.warn({ pushId: push.id, err: error.message }, 'nurture push: add_msg_template unanswered; will reconcile');
      return false;
    }
    if (error instanceof WecomApiError) {
      const final = !error.retryable || push.attempts + 1 >= MAX_ATTEMPTS;
      await ctx.dataSource.transaction(async (manager) => {
        await manager.getRepository(NurturePush).update(
          { id: push.id, status: 'calling' },
          final ? { status: 'failed', finishedAt: now, error: `errcode ${error.errcode}: ${error.errmsg}`.slice(0, 255) } : { status: 'ready', attemptStartedAt: null },
        );
        if (final) {
          const noCustomer = error.errcode === NO_SENDABLE_CUSTOMER;
          await settleRuns(manager, runs.map((r) => r.id), 'sending', noCustomer ? 'no_recipient' : 'failed', noCustomer ? 'fail_list' : `errcode ${error.errcode}`, now);
        }
      });
      ctx.logger.warn({ pushId: push.id, errcode: error.errcode, final }, 'nurture push: add_msg_template refused');
      return false;
    }
    // Anything else (the pacer gave up before sending): WeCom never saw it.
    await ctx.dataSource.getRepository(NurturePush).update({ id: push.id, status: 'calling' }, { status: 'ready', attemptStartedAt: null });
    ctx.logger.warn({ pushId: push.id, err: error }, 'nurture push: not sent; will try again');
    return false;
  }
}

/**
 * WeCom has the message of attempt `attempt`: msgid on the push, runs awaiting (or no_recipient
 * for fail_list). Only while that attempt is the push's and no message is recorded: `calling`, or
 * `ready` when another instance's reconcile looked before WeCom had created the message and put
 * it back for sending (adopting it now stops that resend). Otherwise nothing changes — the runs
 * belong to whichever attempt holds the push (moving them anyway left them awaiting a push that
 * was then closed with no runs).
 */
export async function acceptPush(ctx: AppContext, pushId: number, attempt: number, msgid: string, failList: string[], now: number): Promise<void> {
  await ctx.dataSource.transaction(async (manager) => {
    const took = await manager
      .createQueryBuilder()
      .update(NurturePush)
      .set({ status: 'awaiting', msgid, submittedAt: now, nextCheckAt: now + FIRST_CHECK_AFTER_MS })
      .where("id = :pushId AND status IN ('calling', 'ready') AND attempts = :attempt AND msgid IS NULL", { pushId, attempt })
      .execute();
    if (!took.affected) return;
    const runs = await manager.getRepository(NurtureStepRun).find({ select: { id: true, externalUserId: true }, where: { pushId, status: 'sending' } });
    const failed = new Set(failList);
    await settleRuns(manager, runs.filter((r) => failed.has(r.externalUserId!)).map((r) => r.id), 'sending', 'no_recipient', 'fail_list', now);
    const accepted = runs.filter((r) => !failed.has(r.externalUserId!)).map((r) => r.id);
    for (let i = 0; i < accepted.length; i += 1000) {
      await manager.createQueryBuilder().update(NurtureStepRun).set({ status: 'awaiting' }).where({ id: In(accepted.slice(i, i + 1000)), status: 'sending' }).execute();
    }
  });
}

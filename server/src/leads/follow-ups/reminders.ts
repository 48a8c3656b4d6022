import type { EntityManager } from 'typeorm';
import type { AppContext } from '../../context';
import { isMysql } from '../../db/data-source';
import { enqueueJob, PRIORITY } from '../../jobs/enqueue';
import type { ScheduledTask } from '../../scheduler/scheduled-task';
import { FollowUp } from '../follow-up.entity';
import { serialized } from '../assignment/serialize';
import { Lead } from '../lead.entity';
import { addTimelineEntry } from '../timeline';
import { formatCst } from '../../util/china-time';

const BATCH = 200;
/** A backlog (e.g. after downtime) drains over a few ticks instead of one long one. */
const MAX_BATCHES = 10;

/**
 * One reminder tick: every follow-up whose next step is due gets exactly one notice. The flip
 * pending → sent is a conditional UPDATE and the notice is enqueued in the same transaction with
 * the dedup key `reminder:<followUpId>`, so two instances (or two overlapping ticks) racing on the
 * same row produce one job, and a crash between the two writes loses neither.
 * The notice goes to the lead's current owner (the author when the lead has none, e.g. in the pool).
 */
export async function sendDueReminders(ctx: AppContext, now: number): Promise<{ sent: number }> {
  // On SQLite a process's transactions share one connection and cannot overlap, so overlapping
  // ticks in one process queue up; on MySQL they may overlap and the conditional UPDATE decides.
  return isMysql(ctx.dataSource) ? tick(ctx, now) : serialized('follow-up-reminders', () => tick(ctx, now));
}

async function tick(ctx: AppContext, now: number): Promise<{ sent: number }> {
  let sent = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const due = await ctx.dataSource
      .getRepository(FollowUp)
      .createQueryBuilder('f')
      .where('f.reminder_status = :pending AND f.next_step_at <= :now', { pending: 'pending', now })
      .orderBy('f.next_step_at', 'ASC')
      .addOrderBy('f.id', 'ASC')
      .limit(BATCH)
      .getMany();
    for (const followUp of due) {
      if (await remindOnce(ctx, followUp)) sent++;
    }
    if (due.length < BATCH) break;
  }
  if (sent > 0) ctx.kick();
  return { sent };
}

/**
 * Flips one due follow-up to sent and queues its notice; false when someone else already did.
 * `followUp` may be stale (read before another instance flipped it): the UPDATE's condition is what counts.
 */
export async function remindOnce(ctx: AppContext, followUp: FollowUp): Promise<boolean> {
  return ctx.dataSource.transaction(async (manager) => {
    const flipped = await manager
      .createQueryBuilder()
      .update(FollowUp)
      .set({ reminderStatus: 'sent' })
      .where('id = :id AND reminder_status = :pending', { id: followUp.id, pending: 'pending' })
      .execute();
    if (!flipped.affected) return false;
    const lead = await manager.getRepository(Lead).findOneBy({ id: followUp.leadId });
    if (!lead) return false;
    const userId = lead.ownerUserId ?? followUp.userId;
    const name = lead.name || '未命名客户';
    const note = followUp.nextStepNote ? `「${followUp.nextStepNote}」` : '下一步跟进';
    // The lead id and follow-up id make every reminder's text unique, so WeCom's duplicate
    // check never swallows a second reminder that happens to say the same thing.
    const content =
      `跟进提醒：客户「${name}」#${lead.id} 的${note}已到时间（计划 ${formatCst(followUp.nextStepAt!)}，跟进记录 ${followUp.id}）。` +
      '请在小程序中处理并记录结果。';
    await enqueueJob(manager, {
      kind: 'notify_rep',
      dedupKey: `reminder:${followUp.id}`,
      payload: { leadId: lead.id, userId, content, timelineSummary: `已提醒 ${userId}：${note}已到时间` },
      priority: PRIORITY.notice,
    });
    return true;
  });
}

/**
 * Marks the lead's pending reminders cancelled, in the caller's transaction (the stage change
 * that closed the lead). The same conditional UPDATE shape as remindOnce's flip: a reminder a
 * tick already flipped to sent stays sent, one still pending is never sent. Notes the count on
 * the timeline so the owner knows why a planned reminder did not come.
 */
export async function cancelPendingReminders(manager: EntityManager, leadId: number, closedAs: 'won' | 'lost', at: number): Promise<number> {
  const result = await manager
    .createQueryBuilder()
    .update(FollowUp)
    .set({ reminderStatus: 'cancelled' })
    .where('lead_id = :leadId AND reminder_status = :pending', { leadId, pending: 'pending' })
    .execute();
  const cancelled = result.affected ?? 0;
  if (cancelled > 0) {
    await addTimelineEntry(manager, {
      leadId,
      kind: 'follow_up.reminders_cancelled',
      summary: `线索已${closedAs === 'won' ? '成交' : '流失'}，取消了 ${cancelled} 条未到期的跟进提醒`,
      data: { count: cancelled, stage: closedAs, at },
      occurredAt: at,
    });
  }
  return cancelled;
}

export const followUpReminderTask: ScheduledTask = {
  name: 'follow-up-reminders',
  cron: '* * * * *',
  run: (ctx) => sendDueReminders(ctx, Date.now()).then(() => undefined),
};

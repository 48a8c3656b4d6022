import { In } from 'typeorm';
import type { AppContext } from '../../context';
import { leadLabel, queueRepNotice } from '../../leads/assignment/notices';
import { Lead } from '../../leads/lead.entity';
import { maskPhoneNumbersInText } from '../../privacy/phone-numbers';
import type { ScheduledTask } from '../../scheduler/scheduled-task';
import { HOUR_MS } from '../../util/time';
import { archiveConfigOf } from '../archive-config';
import { ArchiveCursor } from '../ingest/archive-cursor.entity';
import { ARCHIVE_CURSOR } from '../ingest/store-batch';
import { ChatMessage } from '../messages/chat-message.entity';
import { ChatWaiting } from './chat-waiting.entity';

/** Waits older than this are not alerted (a backlog read when the archive is first turned on would flood reps). */
const STALE_AFTER_MS = 24 * HOUR_MS;
const BATCH = 200;
const EXCERPT_CHARS = 40;

/**
 * Alerts a rep whose customer has waited longer than ARCHIVE_WAITING_ALERT_MINUTES for an answer
 * in their 1:1 chat (chat_waiting, kept by the archive's ingestion), once the archive has been
 * read up to past that deadline (archive_cursor.caught_up_at): one app message per wait,
 * claimed with a conditional UPDATE so two instances never both send it. The rep answering ends
 * the wait; a new customer message after that starts a new one, alerted again if it lasts.
 */
export async function alertWaitingCustomers(ctx: AppContext, now: number): Promise<number> {
  const minutes = archiveConfigOf(ctx.config).waitingAlertMinutes;
  if (minutes <= 0) return 0;
  // Only what the archive has read past: while it catches up on a backlog, the rep's answer may
  // be further on, not read yet. A wait is due once a pull caught up after its deadline.
  const cursor = await ctx.dataSource.getRepository(ArchiveCursor).findOneBy({ name: ARCHIVE_CURSOR });
  if (!cursor?.caughtUpAt) return 0;
  const due = await ctx.dataSource
    .getRepository(ChatWaiting)
    .createQueryBuilder('w')
    .where('w.alerted_at IS NULL AND w.since <= :due AND w.since > :stale', { due: Math.min(now, cursor.caughtUpAt) - minutes * 60_000, stale: now - STALE_AFTER_MS })
    .orderBy('w.since', 'ASC')
    .take(BATCH)
    .getMany();
  if (due.length === 0) return 0;
  const leads = new Map((await ctx.dataSource.getRepository(Lead).find({ where: { id: In(due.map((w) => w.leadId)) }, select: { id: true, name: true } })).map((l) => [l.id, l]));
  const firsts = new Map((await ctx.dataSource.getRepository(ChatMessage).find({ where: { msgid: In(due.map((w) => w.msgid)) }, select: { msgid: true, content: true } })).map((m) => [m.msgid, m.content]));
  let alerted = 0;
  for (const wait of due) {
    const sent = await ctx.dataSource.transaction(async (manager) => {
      const claimed = await manager
        .createQueryBuilder()
        .update(ChatWaiting)
        .set({ alertedAt: now })
        .where('lead_id = :leadId AND user_id = :userId AND since = :since AND alerted_at IS NULL', { leadId: wait.leadId, userId: wait.userId, since: wait.since })
        .execute();
      if (!claimed.affected) return false;
      const lead = leads.get(wait.leadId) ?? { id: wait.leadId, name: '' };
      const waited = Math.floor((now - wait.since) / 60_000);
      const text = firsts.get(wait.msgid);
      const excerpt = text ? `：「${text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text}」` : '';
      await queueRepNotice(manager, {
        leadId: wait.leadId,
        userId: wait.userId,
        content: maskPhoneNumbersInText(`【客户等待回复】客户 ${leadLabel(lead)} 已等待 ${waited} 分钟${excerpt}，请尽快回复。`),
        timelineSummary: `客户已等待 ${waited} 分钟未获回复，已提醒 ${wait.userId}`,
        dedupKey: `chat-waiting:${wait.leadId}:${wait.userId}:${wait.since}`,
      });
      return true;
    });
    if (sent) alerted++;
  }
  if (alerted) ctx.kick();
  return alerted;
}

/** Every minute; off when ARCHIVE_WAITING_ALERT_MINUTES is 0 or the archive is off. */
export const chatWaitingAlertTask: ScheduledTask = {
  name: 'archive-waiting-alerts',
  cron: '* * * * *',
  async run(ctx) {
    if (!ctx.archive) return;
    const alerted = await alertWaitingCustomers(ctx, (ctx.clock ?? Date.now)());
    if (alerted) ctx.logger.info({ alerted }, 'reps alerted about customers waiting in chat');
  },
};

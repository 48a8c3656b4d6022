import { In, type EntityManager } from 'typeorm';
import type { AppContext } from '../../context';
import { publishEvents } from '../../events/publish';
import type { DomainEvent } from '../../events/types';
import { enqueueJobs, PRIORITY } from '../../jobs/enqueue';
import { Lead } from '../../leads/lead.entity';
import { ARCHIVE_MEDIA_JOB } from '../media/fetch-media-job';
import { ChatMessage } from '../messages/chat-message.entity';
import { trackResponses } from '../responses/track-responses';
import { ArchiveCursor } from './archive-cursor.entity';
import type { BatchPlan, LandedMessage } from './land-messages';

export const ARCHIVE_CURSOR = 'default';

/** Another pull moved the cursor while this one worked: its batch is that pull's to store. */
export class CursorMovedError extends Error {
  constructor(from: number) {
    super(`the archive cursor moved away from seq ${from} during this pull (another instance pulled the same batch)`);
    this.name = 'CursorMovedError';
  }
}

export interface StoredBatch {
  stored: number;
  /** Messages of the batch already stored (the batch was pulled before, and the cursor did not move). */
  duplicates: number;
  recalled: number;
  responses: number;
}

const ROWS_PER_INSERT = 200;

/**
 * Stores one pulled batch and moves the cursor past it, in one transaction: the messages not
 * stored yet (by msgid), their media downloads (job archive.media), recalls, response times, the
 * leads' last interaction, the domain events (customer.message_received, member.message_sent),
 * and the cursor from `fromSeq` to `toSeq`. The cursor moves only if it still is at `fromSeq`: a
 * crash anywhere before the commit leaves nothing and the batch is pulled again; a second instance
 * that pulled the same batch finds the cursor moved and rolls back (CursorMovedError).
 */
export async function storeBatch(ctx: AppContext, plan: BatchPlan, fromSeq: number, toSeq: number, now = Date.now()): Promise<StoredBatch> {
  return ctx.dataSource.transaction(async (manager) => {
    // The cursor first: its row lock makes a second instance storing the same batch wait here
    // for this transaction, then find the cursor moved, rather than collide on msgids.
    const moved = await manager
      .createQueryBuilder()
      .update(ArchiveCursor)
      .set({ seq: toSeq, updatedAt: now, lastError: null })
      .where('name = :name AND seq = :fromSeq', { name: ARCHIVE_CURSOR, fromSeq })
      .execute();
    if (!moved.affected) throw new CursorMovedError(fromSeq);

    const msgids = plan.messages.map((m) => m.row.msgid);
    const already = new Set<string>();
    for (let i = 0; i < msgids.length; i += ROWS_PER_INSERT) {
      const rows = await manager.find(ChatMessage, { where: { msgid: In(msgids.slice(i, i + ROWS_PER_INSERT)) }, select: { msgid: true } });
      for (const row of rows) already.add(row.msgid);
    }
    // One message twice in a batch (WeCom may repeat one) is stored once.
    const fresh: LandedMessage[] = [];
    for (const message of plan.messages) {
      if (already.has(message.row.msgid)) continue;
      already.add(message.row.msgid);
      fresh.push(message);
    }
    await followMerges(manager, fresh);
    for (let i = 0; i < fresh.length; i += ROWS_PER_INSERT) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(ChatMessage)
        .values(fresh.slice(i, i + ROWS_PER_INSERT).map((m) => m.row) as never)
        .execute();
    }

    await queueMediaDownloads(manager, fresh);
    const recalled = await applyRecalls(manager, plan.recalls);
    const { responses } = await trackResponses(manager, fresh.map((m) => m.row));
    await noteCustomerInteraction(manager, fresh);
    await publishEvents(manager, fresh.flatMap(eventsOf));
    return { stored: fresh.length, duplicates: plan.messages.length - fresh.length, recalled, responses };
  });
}

/**
 * Leads were looked up before the transaction (landing asks WeCom for consent in between): one
 * merged away since then gives its messages to the lead it went into.
 */
async function followMerges(manager: EntityManager, fresh: LandedMessage[]): Promise<void> {
  const ids = [...new Set(fresh.flatMap((m) => (m.row.leadId === null ? [] : [m.row.leadId])))];
  if (ids.length === 0) return;
  const merged = new Map<number, number>();
  // A lead merged into one merged in turn: follow the chain (a few steps at most in practice).
  for (let step = 0, ask = ids; step < 5 && ask.length; step++) {
    const next: number[] = [];
    for (let i = 0; i < ask.length; i += ROWS_PER_INSERT) {
      const rows = await manager.find(Lead, { where: { id: In(ask.slice(i, i + ROWS_PER_INSERT)) }, select: { id: true, mergedIntoId: true } });
      for (const row of rows) if (row.mergedIntoId) {
        merged.set(row.id, row.mergedIntoId);
        next.push(row.mergedIntoId);
      }
    }
    ask = next;
  }
  const finalLead = (id: number) => {
    for (let step = 0; step < 5 && merged.has(id); step++) id = merged.get(id)!;
    return id;
  };
  for (const message of fresh) if (message.row.leadId !== null) message.row.leadId = finalLead(message.row.leadId);
}

async function queueMediaDownloads(manager: EntityManager, fresh: LandedMessage[]): Promise<void> {
  const withMedia = fresh.filter((m) => m.mediaFileId);
  if (withMedia.length === 0) return;
  const ids = new Map<string, number>();
  for (let i = 0; i < withMedia.length; i += ROWS_PER_INSERT) {
    const rows = await manager.find(ChatMessage, { where: { msgid: In(withMedia.slice(i, i + ROWS_PER_INSERT).map((m) => m.row.msgid)) }, select: { id: true, msgid: true } });
    for (const row of rows) ids.set(row.msgid, row.id);
  }
  await enqueueJobs(
    manager,
    withMedia.map((m) => ({ kind: ARCHIVE_MEDIA_JOB, dedupKey: `archive.media:${m.row.msgid}`, payload: { messageId: ids.get(m.row.msgid)! }, priority: PRIORITY.background })),
  );
}

/** Marks recalled messages (the content stays, for compliance; views show it as recalled). */
async function applyRecalls(manager: EntityManager, recalls: BatchPlan['recalls']): Promise<number> {
  let recalled = 0;
  for (const { preMsgid, at } of recalls) {
    const result = await manager.createQueryBuilder().update(ChatMessage).set({ recalledAt: at }).where('msgid = :preMsgid AND recalled_at IS NULL', { preMsgid }).execute();
    recalled += result.affected ?? 0;
  }
  return recalled;
}

/** A customer writing is an interaction: it holds off score decay (scoring/compute-score.ts). */
async function noteCustomerInteraction(manager: EntityManager, fresh: LandedMessage[]): Promise<void> {
  const latest = new Map<number, number>();
  for (const { row } of fresh) if (row.senderKind === 'customer' && row.leadId !== null) latest.set(row.leadId, Math.max(latest.get(row.leadId) ?? 0, row.sentAt));
  for (const [leadId, at] of latest) {
    await manager.createQueryBuilder().update(Lead).set({ lastInteractionAt: at }).where('id = :leadId AND (last_interaction_at IS NULL OR last_interaction_at < :at)', { leadId, at }).execute();
  }
}

/** What an event carries of a message's text: the rules read no more than this (rules/match-rules.ts). */
const EVENT_TEXT_CHARS = 4000;

function eventsOf({ row, repUserId }: LandedMessage): DomainEvent[] {
  const text = row.content === null ? null : row.content.slice(0, EVENT_TEXT_CHARS);
  if (row.senderKind === 'customer') {
    if (row.leadId === null || !row.externalUserId) return [];
    return [
      {
        name: 'customer.message_received',
        key: `chat:${row.msgid}`,
        payload: { leadId: row.leadId, externalUserId: row.externalUserId, userId: repUserId ?? '', roomId: row.roomId, msgid: row.msgid, text, sentAt: row.sentAt },
        occurredAt: row.sentAt,
      },
    ];
  }
  if (!row.userId) return [];
  return [
    {
      name: 'member.message_sent',
      key: `chat:${row.msgid}`,
      payload: { leadId: row.leadId, userId: row.userId, externalUserId: row.externalUserId, roomId: row.roomId, msgid: row.msgid, text, sentAt: row.sentAt },
      occurredAt: row.sentAt,
    },
  ];
}

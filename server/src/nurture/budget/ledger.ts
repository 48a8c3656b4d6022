import type { EntityManager } from 'typeorm';
import { In, MoreThanOrEqual } from 'typeorm';
import { MessageDelivery, type DeliveryStatus } from './message-delivery.entity';

/** One customer's send result for a confirmed message, as get_groupmsg_send_result gives it. */
export interface SendResult {
  msgid: string;
  externalUserId: string;
  leadId?: number | null;
  sender: string;
  source: string;
  status: DeliveryStatus;
  /** send_time in epoch ms (status 1); for 2 and 3, when the result was read is used. */
  sentAt?: number | null;
}

/** The ledger rows the budget decision reads: status-1 deliveries only. */
export type LedgerRow = Pick<MessageDelivery, 'externalUserId' | 'sentAt'>;

/** Rows per statement: well under SQLite's and MySQL's placeholder limits. */
const CHUNK = 1000;

/**
 * Writes send results into the ledger. Idempotent: a (msgid, external_userid) already there is
 * left as it is (INSERT … OR IGNORE / INSERT IGNORE), so reading results back twice changes
 * nothing. A result's status is final once WeCom reports it, so the first one read is kept.
 */
export async function recordSendResults(manager: EntityManager, results: readonly SendResult[], now: number): Promise<void> {
  for (const r of results) {
    if (r.status !== 1 && r.status !== 2 && r.status !== 3) throw new Error(`send result status ${String(r.status)} is not a result to record`);
    if (!r.msgid || !r.externalUserId || !r.sender || !r.source) throw new Error('a send result needs msgid, externalUserId, sender and source');
  }
  for (let i = 0; i < results.length; i += CHUNK) {
    const chunk = results.slice(i, i + CHUNK);
    const repo = manager.getRepository(MessageDelivery);
    await repo
      .createQueryBuilder()
      .insert()
      .values(
        chunk.map((r) => ({
          msgid: r.msgid,
          externalUserId: r.externalUserId,
          leadId: r.leadId ?? null,
          sender: r.sender,
          source: r.source,
          status: r.status,
          sentAt: r.status === 1 && r.sentAt ? r.sentAt : now,
          recordedAt: now,
        })),
      )
      .orIgnore()
      .updateEntity(false)
      .execute();
  }
}

/**
 * The status-1 deliveries to these customers since `since`: everything the budget decision needs
 * for a batch, one statement per 1000 customers.
 */
export async function loadLedger(manager: EntityManager, externalUserIds: readonly string[], since: number): Promise<LedgerRow[]> {
  const unique = [...new Set(externalUserIds)];
  const rows: LedgerRow[] = [];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const found = await manager.getRepository(MessageDelivery).find({
      select: { externalUserId: true, sentAt: true },
      where: { externalUserId: In(unique.slice(i, i + CHUNK)), status: 1, sentAt: MoreThanOrEqual(since) },
    });
    rows.push(...found);
  }
  return rows;
}

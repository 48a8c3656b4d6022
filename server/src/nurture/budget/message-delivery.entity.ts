import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../../db/columns';

/** Send-result statuses of get_groupmsg_send_result (wecom-reference.md §4.4) the ledger keeps; 0 (unsent) is not a result. */
export const DELIVERY_STATUSES = [1, 2, 3] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One line of a customer's message ledger: a corp mass message (add_msg_template) the member
 * confirmed, and what WeCom said became of it for this customer. Only status 1 (sent) uses the
 * corp's per-customer budget; 2 (not a friend) and 3 (already received another, i.e. over the
 * cap) are kept so the funnel can show them. One row per message and customer, so reading the
 * send results back again changes nothing.
 */
@Entity('nurture_message_delivery')
@Index('uq_nurture_delivery_msg_customer', ['msgid', 'externalUserId'], { unique: true })
@Index('idx_nurture_delivery_customer', ['externalUserId', 'sentAt'])
export class MessageDelivery {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'external_userid', type: 'varchar', length: 64 })
  externalUserId: string;

  /** The lead the customer is, when known. */
  @Column({ name: 'lead_id', type: 'int', nullable: true })
  leadId: number | null;

  /** add_msg_template's msgid. */
  @Column({ type: 'varchar', length: 64 })
  msgid: string;

  /** The member (userid) who sent it. */
  @Column({ type: 'varchar', length: 64 })
  sender: string;

  /** What sent it: `sequence:<id>:<step>`, `campaign`, … */
  @Column({ type: 'varchar', length: 64 })
  source: string;

  /** 1 sent, 2 not a friend, 3 already received another (over the corp's cap). */
  @Column({ type: 'int' })
  status: DeliveryStatus;

  /** When it was delivered (send_time) for status 1; when the result was read for 2 and 3. */
  @Column({ name: 'sent_at', type: 'bigint', transformer: epochMs })
  sentAt: number;

  @Column({ name: 'recorded_at', type: 'bigint', transformer: epochMs })
  recordedAt: number;
}

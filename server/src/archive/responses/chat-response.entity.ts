import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../../db/columns';

/**
 * A rep answering a waiting customer in their 1:1 chat: how long the customer waited. The rep's
 * first answer to the lead is marked `first`: first response time per lead and rep; all of them
 * make the average, per lead, per rep and per period in the stats.
 */
@Entity('chat_response')
@Index('idx_chat_response_user', ['userId', 'repliedAt'])
@Index('idx_chat_response_lead', ['leadId', 'repliedAt'])
export class ChatResponse {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'lead_id', type: 'int' })
  leadId: number;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  /** The rep's reply: one response per reply message, so a batch stored twice counts once. */
  @Index('uq_chat_response_msgid', { unique: true })
  @Column({ type: 'varchar', length: 128 })
  msgid: string;

  /** When the customer started waiting (their first unanswered message). */
  @Column({ name: 'waited_since', type: 'bigint', transformer: epochMs })
  waitedSince: number;

  @Column({ name: 'replied_at', type: 'bigint', transformer: epochMs })
  repliedAt: number;

  @Column({ name: 'response_ms', type: 'bigint', transformer: epochMs })
  responseMs: number;

  /** The rep's first answer to this lead in chat. */
  @Column({ type: 'boolean', default: false })
  first: boolean;
}

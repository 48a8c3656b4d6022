import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from '../../db/columns';

/**
 * A customer waiting for a rep's answer in their 1:1 chat: since the first customer message the
 * rep has not answered yet. The rep's next message ends the wait (a chat_response row); a wait
 * longer than ARCHIVE_WAITING_ALERT_MINUTES alerts the rep once.
 */
@Entity('chat_waiting')
@Index('idx_chat_waiting_since', ['alertedAt', 'since'])
export class ChatWaiting {
  @PrimaryColumn({ name: 'lead_id', type: 'int' })
  leadId: number;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  @Column({ type: 'bigint', transformer: epochMs })
  since: number;

  /** The first unanswered customer message. */
  @Column({ type: 'varchar', length: 128 })
  msgid: string;

  @Column({ name: 'alerted_at', type: 'bigint', nullable: true, transformer: epochMs })
  alertedAt: number | null;
}

import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../../db/columns';

/** Who wrote a message: the customer side (an external contact) or a corp member (a rep). */
export type SenderKind = 'customer' | 'member';

/** Where a media message's file stands: fetched by the archive.media job after the message is stored. */
export type MediaStatus = 'pending' | 'stored' | 'failed' | 'too_large';

/**
 * One archived chat message (会话内容存档) that concerns a customer: a 1:1 chat between a rep and
 * an external contact, or a message in a customer group. Internal chats and messages the
 * compliance rules exclude are never written. Keyed by WeCom's `msgid`, so a batch pulled twice
 * (a crash before its checkpoint committed) stores nothing twice.
 */
@Entity('chat_message')
@Index('idx_chat_message_lead', ['leadId', 'sentAt'])
@Index('idx_chat_message_room', ['roomId', 'sentAt'])
@Index('idx_chat_message_user', ['userId', 'sentAt'])
@Index('idx_chat_message_sent', ['sentAt'])
@Index('idx_chat_message_customer', ['externalUserId'])
export class ChatMessage {
  @PrimaryGeneratedColumn()
  id: number;

  @Index('uq_chat_message_msgid', { unique: true })
  @Column({ type: 'varchar', length: 128 })
  msgid: string;

  /** The archive's sequence number it was pulled at. */
  @Column({ type: 'bigint', transformer: epochMs })
  seq: number;

  /** text, image, file, voice, link, weapp, … as WeCom names it. */
  @Column({ type: 'varchar', length: 32 })
  msgtype: string;

  @Column({ name: 'sender_kind', type: 'varchar', length: 8 })
  senderKind: SenderKind;

  /** The rep in a 1:1 chat; in a group, the sender when a member wrote it (else null). */
  @Column({ name: 'user_id', type: 'varchar', length: 64, nullable: true })
  userId: string | null;

  /** The customer in a 1:1 chat; in a group, the sender when a customer wrote it (else null). */
  @Column({ name: 'external_user_id', type: 'varchar', length: 128, nullable: true })
  externalUserId: string | null;

  /** The customer group's chat id; null for a 1:1 chat. */
  @Column({ name: 'room_id', type: 'varchar', length: 128, nullable: true })
  roomId: string | null;

  /** The lead the message lands on: the customer's lead (1:1, or a customer's message in a group). */
  @Column({ name: 'lead_id', type: 'int', nullable: true })
  leadId: number | null;

  /** What search and rules read: the text, a link's title and description, a file's name… */
  @Column({ type: 'text', nullable: true })
  content: string | null;

  /** The message's msgtype body as WeCom sent it (sdkfileid, md5sum, filesize, link_url…). */
  @Column({ type: 'text', nullable: true, transformer: jsonText })
  body: Record<string, unknown> | null;

  @Column({ name: 'media_status', type: 'varchar', length: 16, nullable: true })
  mediaStatus: MediaStatus | null;

  /** Where the media store keeps the file (archive/media). */
  @Column({ name: 'media_key', type: 'varchar', length: 255, nullable: true })
  mediaKey: string | null;

  @Column({ name: 'media_size', type: 'int', nullable: true })
  mediaSize: number | null;

  /** Set when the sender recalled (撤回) the message; its content is kept for compliance, shown as recalled. */
  @Column({ name: 'recalled_at', type: 'bigint', nullable: true, transformer: epochMs })
  recalledAt: number | null;

  /** WeCom's msgtime (ms). */
  @Column({ name: 'sent_at', type: 'bigint', transformer: epochMs })
  sentAt: number;

  @Column({ name: 'stored_at', type: 'bigint', transformer: epochMs })
  storedAt: number;
}

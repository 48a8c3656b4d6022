import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '../../db/columns';

/** What check_single_agree said about one customer's chats with one rep, and when we asked. */
export type AgreeStatus = 'Agree' | 'Disagree' | 'Default_Agree';

@Entity('archive_consent')
export class ArchiveConsent {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  @PrimaryColumn({ name: 'external_user_id', type: 'varchar', length: 128 })
  externalUserId: string;

  @Column({ type: 'varchar', length: 16 })
  status: AgreeStatus;

  /** WeCom's status_change_time (ms): messages before it fall under the previous status. */
  @Column({ name: 'changed_at', type: 'bigint', transformer: epochMs })
  changedAt: number;

  @Column({ name: 'checked_at', type: 'bigint', transformer: epochMs })
  checkedAt: number;
}

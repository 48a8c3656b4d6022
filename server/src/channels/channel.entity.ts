import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../db/columns';

export interface WelcomeMiniprogram {
  title: string;
  appid: string;
  page: string;
  picMediaId: string;
}

/** A channel QR code (渠道活码): one WeCom 「联系我」 config whose `state` attributes adds to it. */
@Entity('channel')
export class Channel {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** Short alphanumeric key sent to WeCom as `state`; comes back in every add event. */
  @Index('uq_channel_state', { unique: true })
  @Column({ type: 'varchar', length: 30 })
  state: string;

  @Column({ name: 'config_id', type: 'varchar', length: 128, nullable: true })
  configId: string | null;

  @Column({ name: 'qr_code', type: 'varchar', length: 512, nullable: true })
  qrCode: string | null;

  @Column({ name: 'user_ids', type: 'text', transformer: jsonText })
  userIds: string[];

  @Column({ name: 'tag_names', type: 'text', transformer: jsonText })
  tagNames: string[];

  @Column({ name: 'welcome_text', type: 'text', nullable: true })
  welcomeText: string | null;

  @Column({ name: 'welcome_miniprogram', type: 'text', nullable: true, transformer: jsonText })
  welcomeMiniprogram: WelcomeMiniprogram | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt: number;

  /** Deleted channels keep their row so past leads stay attributed. */
  @Column({ name: 'deleted_at', type: 'bigint', nullable: true, transformer: epochMs })
  deletedAt: number | null;
}

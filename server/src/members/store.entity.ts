import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../db/columns';

/** A shop whose staff enter walk-in customers; every entry is tagged with the store's corp tag. */
@Entity('store')
export class Store {
  @PrimaryGeneratedColumn()
  id: number;

  @Index('uq_store_name', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  name: string;

  /** The WeCom corp tag name its entries get, e.g. "门店：静安店" (WeCom allows 30 characters). */
  @Column({ name: 'tag_name', type: 'varchar', length: 30 })
  tagName: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;
}

import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A piece of an export's .xlsx file, base64 in a TEXT column: portable across SQLite and MySQL
 * (no BLOB types that differ), each piece well under MySQL's TEXT limit and any packet limit, so
 * a large file never needs one big write. Read back in `seq` order.
 */
@Entity('lead_export_part')
@Index('uq_lead_export_part', ['exportId', 'seq'], { unique: true })
export class LeadExportPart {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'export_id', type: 'int' })
  exportId: number;

  @Column({ type: 'int' })
  seq: number;

  @Column({ type: 'text' })
  data: string;
}

import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../../../db/columns';

export type LeadExportStatus = 'pending' | 'running' | 'done' | 'failed';

/**
 * One Excel export of the console's lead table, asked for by a member: the filter and the number
 * of rows it covered when asked (written with its audit row), the progress the page polls while
 * a worker builds the file (`done` of `total`), and the file itself in lead_export_part rows. The
 * state lives here, not in a process, so any instance answers the polls and serves the file.
 * Exports are kept a day (EXPORT_KEEP_MS), then deleted with their file.
 */
@Entity('lead_export')
@Index('idx_lead_export_by', ['requestedBy', 'id'])
@Index('idx_lead_export_created', ['createdAt'])
export class LeadExport {
  @PrimaryGeneratedColumn()
  id: number;

  /** The member's WeCom userid: only they download it. */
  @Column({ name: 'requested_by', type: 'varchar', length: 64 })
  requestedBy: string;

  @Column({ type: 'varchar', length: 200 })
  purpose: string;

  /** The table's filter (console/leads/lead-table.ts leadFilterFields) and sort. */
  @Column({ type: 'text', transformer: jsonText })
  filter: object;

  /** Leads created after the export was asked for are left out: the file is what was counted. */
  @Column({ name: 'max_lead_id', type: 'int' })
  maxLeadId: number;

  @Column({ type: 'int' })
  total: number;

  /** Rows written so far. */
  @Column({ type: 'int', default: 0 })
  done: number;

  @Column({ type: 'varchar', length: 16 })
  status: LeadExportStatus;

  @Column({ name: 'file_name', type: 'varchar', length: 128 })
  fileName: string;

  @Column({ name: 'file_size', type: 'int', nullable: true })
  fileSize: number | null;

  /** Why it failed, in Chinese, for the page. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  error: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Column({ name: 'finished_at', type: 'bigint', nullable: true, transformer: epochMs })
  finishedAt: number | null;
}

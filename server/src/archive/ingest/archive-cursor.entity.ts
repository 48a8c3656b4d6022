import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '../../db/columns';

/**
 * How far the archive has been read: the last `seq` whose batch is stored. It moves only in the
 * transaction that stores that batch (ingest/store-batch.ts), so a crash before the commit leaves
 * it where the stored messages end and the batch is pulled again; GetChatData starts *after* the
 * seq it is given, so the next pull passes this value as it is.
 */
@Entity('archive_cursor')
export class ArchiveCursor {
  /** One row per archive: 'default'. */
  @PrimaryColumn({ type: 'varchar', length: 32 })
  name: string;

  @Column({ type: 'bigint', transformer: epochMs })
  seq: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt: number;

  /** Why the last pull stopped short (a message that does not open, WeCom refusing…), until one succeeds. */
  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError: string | null;

  /** When a pull last reached the end of what WeCom had. */
  @Column({ name: 'caught_up_at', type: 'bigint', nullable: true, transformer: epochMs })
  caughtUpAt: number | null;
}

import { Writable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { LeadExportPart } from './lead-export-part.entity';

/** Raw bytes per piece: 32 KiB is 43,692 characters of base64, under MySQL's 65,535-byte TEXT. */
export const PART_BYTES = 32 * 1024;

/**
 * Where an export's file goes as it is written: pieces of PART_BYTES, each one row of
 * lead_export_part, inserted as they fill (the writer waits for each, so memory holds one piece).
 */
export class ExportFileSink extends Writable {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private seq = 0;
  /** Bytes written in all. */
  size = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly exportId: number,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.size += chunk.length;
    if (this.pendingBytes < PART_BYTES) return done();
    this.flush(false).then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.flush(true).then(() => done(), done);
  }

  /** Writes every full piece held; with `all`, the last partial one too. */
  private async flush(all: boolean): Promise<void> {
    let buffer = Buffer.concat(this.pending);
    while (buffer.length >= PART_BYTES || (all && buffer.length > 0)) {
      const piece = buffer.subarray(0, PART_BYTES);
      await this.dataSource.getRepository(LeadExportPart).insert({ exportId: this.exportId, seq: this.seq++, data: piece.toString('base64') });
      buffer = buffer.subarray(piece.length);
    }
    this.pending = buffer.length ? [Buffer.from(buffer)] : [];
    this.pendingBytes = buffer.length;
  }
}

/** The export's file, its pieces joined in order. */
export async function readExportFile(dataSource: DataSource, exportId: number): Promise<Buffer> {
  const parts = await dataSource.getRepository(LeadExportPart).find({ where: { exportId }, order: { seq: 'ASC' } });
  return Buffer.concat(parts.map((p) => Buffer.from(p.data, 'base64')));
}

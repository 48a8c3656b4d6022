import type { DataSource } from 'typeorm';
import { Lead } from '../lead.entity';
import type { ScoringRules } from './rules-schema';
import { loadForScoring, scoreLoaded } from './write-scores';

export interface RescoreProgress {
  /** Leads scored so far. */
  processed: number;
  /** How many of them had a different score, grade, qualification, breakdown or hot state. */
  changed: number;
  /** Hot alerts queued. */
  alerts: number;
  /** Leads the run will visit (only counted when onProgress is given). */
  total: number | null;
  lastId: number;
  elapsedMs: number;
  /** Leads per second since the start. */
  rate: number;
}

export interface RescoreOptions {
  /** Leads per batch (one transaction each). Default 1000. */
  batchSize?: number;
  onProgress?: (progress: RescoreProgress) => void;
  /** Clock for decay; default Date.now (read per batch). */
  now?: () => number;
  /** 'suppress' records hot crossings without messaging owners (see WriteOptions). */
  hot?: 'alert' | 'suppress';
  /** Only leads whose last interaction (or creation) is before this time: the decay sweep. */
  idleBefore?: number;
}

const RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'SQLITE_BUSY']);

function isRetryable(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  return RETRYABLE.has(e?.driverError?.code ?? e?.code ?? '');
}

/**
 * Re-scores every lead (or every idle lead) under `rules`: keyset on id in batches, each batch's
 * activities in one query, the writes in bulk, one transaction per batch. Memory stays flat at a
 * million leads: only one batch is ever held. Safe beside the running service: each batch locks
 * its leads (MySQL) so an incremental re-score is never overwritten by an older read.
 */
export async function rescoreAll(dataSource: DataSource, rules: ScoringRules, options: RescoreOptions = {}): Promise<RescoreProgress> {
  const batchSize = options.batchSize ?? 1000;
  const clock = options.now ?? Date.now;
  const started = Date.now();
  let total: number | null = null;
  if (options.onProgress) {
    const qb = dataSource.getRepository(Lead).createQueryBuilder('lead').where('lead.merged_into_id IS NULL');
    if (options.idleBefore !== undefined) {
      qb.andWhere('COALESCE(lead.last_interaction_at, lead.created_at) < :idleBefore', { idleBefore: options.idleBefore });
    }
    total = await qb.getCount();
  }
  const progress: RescoreProgress = { processed: 0, changed: 0, alerts: 0, total, lastId: 0, elapsedMs: 0, rate: 0 };

  for (;;) {
    const batch = await withRetry(() =>
      dataSource.transaction(async (manager) => {
        const loaded = await loadForScoring(manager, { afterId: progress.lastId, idleBefore: options.idleBefore, limit: batchSize });
        if (!loaded.leads.length) return null;
        const stats = await scoreLoaded(manager, loaded, rules, { now: clock(), hot: options.hot });
        return { ...stats, count: loaded.leads.length, lastId: loaded.leads[loaded.leads.length - 1].id };
      }),
    );
    if (!batch) break;
    progress.processed += batch.count;
    progress.changed += batch.changed;
    progress.alerts += batch.alerts;
    progress.lastId = batch.lastId;
    progress.elapsedMs = Date.now() - started;
    progress.rate = progress.elapsedMs > 0 ? Math.round((progress.processed * 1000) / progress.elapsedMs) : progress.processed;
    options.onProgress?.({ ...progress });
    if (batch.count < batchSize) break;
  }
  progress.elapsedMs = Date.now() - started;
  return progress;
}

async function withRetry<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      // A batch that deadlocked with an incremental re-score is simply run again.
      if (attempt >= attempts || !isRetryable(error)) throw error;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

import type { MediaStore } from './media-store';

export interface MediaDeletion {
  deleted: string[];
  failed: Array<{ key: string; error: unknown }>;
}

/** Deletions in flight at once: enough to hide S3's latency, few enough not to flood the store. */
const CONCURRENCY = 8;

/**
 * Deletes stored media files (retention, a message's removal). Every key is tried even when
 * some fail, and the caller learns which went, so it clears `media_key` on those rows only and
 * tries the rest next run; a key already gone counts as deleted (MediaStore.delete is idempotent).
 */
export async function deleteStoredMedia(store: MediaStore, keys: string[]): Promise<MediaDeletion> {
  const result: MediaDeletion = { deleted: [], failed: [] };
  const queue = [...new Set(keys)];
  const worker = async () => {
    for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
      try {
        await store.delete(key);
        result.deleted.push(key);
      } catch (error) {
        result.failed.push({ key, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  return result;
}

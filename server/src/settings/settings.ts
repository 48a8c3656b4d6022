import type { EntityManager } from 'typeorm';
import { Setting } from './setting.entity';

/** The stored override for `key`, or null when an admin never changed it. */
export async function getSetting<T>(manager: EntityManager, key: string): Promise<T | null> {
  const row = await manager.getRepository(Setting).findOneBy({ key });
  return row ? (row.value as T) : null;
}

export async function putSetting(manager: EntityManager, key: string, value: unknown): Promise<void> {
  // upsert keeps it one statement on both databases (ON CONFLICT / ON DUPLICATE KEY).
  await manager.getRepository(Setting).upsert({ key, value: value as never, updatedAt: Date.now() }, ['key']);
}

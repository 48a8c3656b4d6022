import { createHash } from 'node:crypto';
import { DataSource, LessThan } from 'typeorm';
import { AccessTokenRow } from './access-token.entity';
import { isUniqueViolation } from '../db/data-source';

export interface CachedToken {
  accessToken: string;
  expiresAt: number;
}

/** Where access tokens live between calls and between instances. */
export interface TokenStore {
  read(key: string): Promise<CachedToken | null>;
  /** Try to become the one caller that refreshes `key`; false if someone else holds the lock. */
  tryLock(key: string, owner: string, ttlMs: number): Promise<boolean>;
  save(key: string, owner: string, token: CachedToken): Promise<void>;
  unlock(key: string, owner: string): Promise<void>;
}

export function tokenCacheKey(corpId: string, secret: string): string {
  return `${corpId}:${createHash('sha256').update(secret).digest('hex').slice(0, 32)}`;
}

/** Token cache in the shared database, so every instance uses (and refreshes) one token. */
export class DatabaseTokenStore implements TokenStore {
  constructor(private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(AccessTokenRow);
  }

  async read(key: string): Promise<CachedToken | null> {
    const row = await this.repo.findOneBy({ cacheKey: key });
    if (!row?.accessToken) return null;
    return { accessToken: row.accessToken, expiresAt: row.expiresAt };
  }

  async tryLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    try {
      await this.repo.insert({ cacheKey: key, accessToken: null, expiresAt: 0, lockOwner: owner, lockUntil: now + ttlMs });
      return true;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const result = await this.repo.update({ cacheKey: key, lockUntil: LessThan(now) }, { lockOwner: owner, lockUntil: now + ttlMs });
    return (result.affected ?? 0) === 1;
  }

  async save(key: string, owner: string, token: CachedToken): Promise<void> {
    await this.repo.update({ cacheKey: key }, { accessToken: token.accessToken, expiresAt: token.expiresAt, lockOwner: owner, lockUntil: 0 });
  }

  async unlock(key: string, owner: string): Promise<void> {
    await this.repo.update({ cacheKey: key, lockOwner: owner }, { lockUntil: 0 });
  }
}

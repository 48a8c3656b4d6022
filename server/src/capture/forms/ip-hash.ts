import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Setting } from '../../settings/setting.entity';

const SALT_KEY = 'forms.ip_hash_salt';
const salts = new WeakMap<DataSource, Promise<string>>();

/**
 * The per-installation salt for IP hashes: made once, kept in the setting table so every
 * instance (and every restart) hashes the same IP to the same value, and never configured by
 * hand. Without the salt, a hash of an IPv4 address could be reversed by trying all of them.
 */
function ipSalt(dataSource: DataSource): Promise<string> {
  let salt = salts.get(dataSource);
  if (!salt) {
    salt = (async () => {
      await dataSource
        .createQueryBuilder()
        .insert()
        .into(Setting)
        .values({ key: SALT_KEY, value: randomBytes(32).toString('hex') as never, updatedAt: Date.now() })
        .orIgnore()
        .execute();
      const row = await dataSource.getRepository(Setting).findOneByOrFail({ key: SALT_KEY });
      return String(row.value);
    })();
    salt.catch(() => salts.delete(dataSource));
    salts.set(dataSource, salt);
  }
  return salt;
}

/** sha256(ip + salt), hex: what form_submission and the rate limiter store instead of the address. */
export async function hashIp(dataSource: DataSource, ip: string): Promise<string> {
  return createHash('sha256').update(ip).update(await ipSalt(dataSource)).digest('hex');
}

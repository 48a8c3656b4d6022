import { isIPv6 } from 'node:net';
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

/**
 * The address a rate limit counts: an IPv4 address as it is (also when written IPv4-mapped,
 * ::ffff:a.b.c.d), an IPv6 address by its /64. One household or phone is normally given a whole
 * /64, so counting single IPv6 addresses would let one client rotate through millions of them.
 */
export function rateLimitSubject(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1];
  if (isIPv6(ip)) return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
  return ip;
}

/** The eight 16-bit groups of a valid IPv6 address, without zone, each as lower-case hex. */
function expandIPv6(ip: string): string[] {
  const address = ip.split('%')[0].toLowerCase();
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const parts = (text: string) => (text ? text.split(':') : []);
  let groups = parts(head);
  let rest = tail === undefined ? [] : parts(tail);
  // A trailing dotted IPv4 part stands for the last two groups.
  const toGroups = (list: string[]) =>
    list.flatMap((g) => {
      if (!g.includes('.')) return [g];
      const [a, b, c, d] = g.split('.').map(Number);
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  groups = toGroups(groups);
  rest = toGroups(rest);
  const zeros = tail === undefined ? [] : Array(8 - groups.length - rest.length).fill('0');
  return [...groups, ...zeros, ...rest].map((g) => parseInt(g, 16).toString(16));
}

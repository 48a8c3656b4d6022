import type { WecomClient } from '../../wecom/client';

/**
 * The members the corp has put in the archive's scope (管理工具 → 会话内容存档 → 开启范围), from
 * msgaudit/get_permit_user_list. Only their conversations are kept: WeCom archives nothing else,
 * and a member taken out of scope stops being kept even if WeCom still hands a message over.
 * Read at most every 10 minutes per process — except that a batch naming a member the cached list
 * lacks reads it again (once a minute at most), so a member just put in scope is not dropped for
 * ten minutes, their messages lost past the cursor.
 */

const TTL_MS = 10 * 60_000;
const RECHECK_MS = 60_000;
const cache = new WeakMap<WecomClient, { ids: Set<string>; at: number }>();

export async function permittedMembers(client: WecomClient, now = Date.now(), needed: Iterable<string> = []): Promise<Set<string>> {
  const cached = cache.get(client);
  const missing = cached ? [...needed].some((id) => !cached.ids.has(id)) : true;
  if (cached && cached.at > now - TTL_MS && !(missing && cached.at <= now - RECHECK_MS)) return cached.ids;
  const reply = await client.post<{ ids?: unknown }>('msgaudit/get_permit_user_list', {});
  const ids = new Set(Array.isArray(reply.ids) ? reply.ids.filter((id): id is string => typeof id === 'string') : []);
  cache.set(client, { ids, at: now });
  return ids;
}

/** Tests that change the scope mid-test read it afresh. */
export function forgetPermittedMembers(client: WecomClient): void {
  cache.delete(client);
}

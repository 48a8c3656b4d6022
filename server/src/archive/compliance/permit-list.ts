import type { WecomClient } from '../../wecom/client';

/**
 * The members the corp has put in the archive's scope (管理工具 → 会话内容存档 → 开启范围), from
 * msgaudit/get_permit_user_list. Only their conversations are kept: WeCom archives nothing else,
 * and a member taken out of scope stops being kept at once even if WeCom still hands a message
 * over. Read at most every 10 minutes per process (one call per pull would double the calls of a
 * quiet archive for a list that changes a few times a year).
 */

const TTL_MS = 10 * 60_000;
const cache = new WeakMap<WecomClient, { ids: Set<string>; until: number }>();

export async function permittedMembers(client: WecomClient, now = Date.now()): Promise<Set<string>> {
  const cached = cache.get(client);
  if (cached && cached.until > now) return cached.ids;
  const reply = await client.post<{ ids?: unknown }>('msgaudit/get_permit_user_list', {});
  const ids = new Set(Array.isArray(reply.ids) ? reply.ids.filter((id): id is string => typeof id === 'string') : []);
  cache.set(client, { ids, until: now + TTL_MS });
  return ids;
}

/** Tests that change the scope mid-test read it afresh. */
export function forgetPermittedMembers(client: WecomClient): void {
  cache.delete(client);
}

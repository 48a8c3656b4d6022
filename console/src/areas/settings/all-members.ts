import { api, query } from '../../api';
import type { Member } from './types';

/**
 * Every member, for pickers (a team's members): pages of 200 until the end, at most 2000 —
 * beyond that a picker is the wrong tool, and the first 2000 still fill it.
 */
export async function allMembers(): Promise<Member[]> {
  const members: Member[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Member[]; nextCursor: string | null } = await api('GET', `/settings/members${query({ limit: 200, cursor })}`);
    members.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && members.length < 2000);
  return members;
}

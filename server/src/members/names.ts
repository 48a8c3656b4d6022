import { type EntityManager, In } from 'typeorm';
import { Member } from './member.entity';

/** Members' names by userid, as the member sync last saw them; userids it never saw are left out. */
export async function memberNames(manager: EntityManager, userIds: string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(userIds)];
  if (!wanted.length) return new Map();
  const rows = await manager.find(Member, { where: { userId: In(wanted) }, select: { userId: true, name: true } });
  return new Map(rows.map((m) => [m.userId, m.name]));
}

import { type EntityManager, In } from 'typeorm';
import { actorName, type PolicyActor } from '../policies/actor';
import { Member } from './member.entity';

/** Members' names by userid, as the member sync last saw them; userids it never saw are left out. */
export async function memberNames(manager: EntityManager, userIds: string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(userIds)];
  if (!wanted.length) return new Map();
  const rows = await manager.find(Member, { where: { userId: In(wanted) }, select: { userId: true, name: true } });
  return new Map(rows.map((m) => [m.userId, m.name]));
}

/**
 * Who did something, as a person reads it: the member's name (the userid when the sync never saw
 * them), or actorName's 管理员 for the admin token.
 */
export async function actorDisplayName(manager: EntityManager, actor: PolicyActor): Promise<string> {
  if (actor.kind !== 'member') return actorName(actor);
  return (await memberNames(manager, [actor.userId])).get(actor.userId) ?? actor.userId;
}

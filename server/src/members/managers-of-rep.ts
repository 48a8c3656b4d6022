import type { EntityManager } from 'typeorm';

export interface RepManager {
  userId: string;
  /** As the member sync last saw it; the userid when it never saw the member. */
  name: string;
}

/**
 * The managers of a rep: members holding the manager role who manage a team the rep belongs to
 * (the same relation policies/actor.ts membersOfManagedTeams reads from the manager's side; a rep
 * on leave still belongs to the team). Not the rep themselves, and not a manager who has left or
 * been disabled in WeCom (an app message to them fails). Ordered by userid.
 */
export async function managersOfRep(manager: EntityManager, repUserId: string): Promise<RepManager[]> {
  const rows: Array<{ userId: string; name: string | null }> = await manager.query(
    `SELECT DISTINCT mt.user_id AS userId, m.name AS name
       FROM member_managed_team mt
       JOIN team_member tm ON tm.team_id = mt.team_id
       JOIN member_role r ON r.user_id = mt.user_id AND r.role = 'manager'
       LEFT JOIN member m ON m.user_id = mt.user_id
      WHERE tm.user_id = ? AND mt.user_id <> ? AND (m.status IS NULL OR m.status = 'active')
      ORDER BY mt.user_id`,
    [repUserId, repUserId],
  );
  return rows.map((row) => ({ userId: row.userId, name: row.name || row.userId }));
}

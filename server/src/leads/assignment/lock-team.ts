import type { EntityManager } from 'typeorm';
import { isMysql } from '../../db/data-source';

/**
 * First statement of an assignment transaction: holds the team's member rows until commit, so
 * two instances assigning into one team take turns and never both see a rep under the cap.
 * MySQL: row locks (FOR UPDATE). SQLite: a no-op write takes the database write lock now,
 * instead of failing later when a read snapshot tries to become a write.
 */
export async function lockTeamMembers(manager: EntityManager, teamId: number): Promise<void> {
  if (isMysql(manager.dataSource)) {
    await manager.query('SELECT id FROM team_member WHERE team_id = ? ORDER BY id FOR UPDATE', [teamId]);
  } else {
    await manager.query('UPDATE team_member SET active = active WHERE team_id = ?', [teamId]);
  }
}

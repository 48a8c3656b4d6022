import type { AppContext } from '../../context';
import { Team } from '../../teams/team.entity';
import { TeamMember } from '../../teams/team-member.entity';
import { Lead } from '../lead.entity';
import { changeOwner } from '../ownership/change-owner';
import { loadPoolSettings, followUpHoursFor } from '../pool/pool-settings';
import { putInPool } from '../pool/put-in-pool';
import { activeLeadCounts } from './active-leads';
import { capCheckTransaction, lockReps } from './lock-reps';
import { lockTeamMembers } from './lock-team';
import { serialized } from './serialize';

export type TeamAssignment =
  | { kind: 'assigned'; userId: string; reason: string }
  | { kind: 'pooled'; reason: string }
  | { kind: 'skipped' };

/** A lead assignment can still place: no owner, not in the pool, not merged, not closed. */
export const isAssignable = (lead: Lead) =>
  !lead.ownerUserId && !lead.inPool && !lead.mergedIntoId && lead.stage !== 'won' && lead.stage !== 'lost';

/**
 * Round-robin inside the team: among active members (minus `exclude`) under the team's cap on
 * active leads, the one assigned longest ago gets the lead. Nobody under the cap → the pool, with
 * the reason on the timeline. One transaction, team members locked, so concurrent assignments
 * into the team cannot push a rep past the cap.
 */
export function assignWithinTeam(
  ctx: AppContext,
  input: { leadId: number; team: Team; via: string; exclude: string[]; key: string },
): Promise<TeamAssignment> {
  const { leadId, team, via, exclude, key } = input;
  return serialized(`team:${team.id}`, () =>
    capCheckTransaction(ctx.dataSource, async (manager): Promise<TeamAssignment> => {
      await lockTeamMembers(manager, team.id);
      const lead = await manager.findOneBy(Lead, { id: leadId });
      if (!lead || !isAssignable(lead)) return { kind: 'skipped' };

      const members = await manager
        .getRepository(TeamMember)
        .createQueryBuilder('m')
        .where('m.team_id = :teamId AND m.active = 1', { teamId: team.id })
        .orderBy('COALESCE(m.last_assigned_at, 0)', 'ASC')
        .addOrderBy('m.id', 'ASC')
        .getMany();
      const eligible = members.filter((m) => !exclude.includes(m.userId));
      // A rep in two teams can be picked by both at once; the rep locks make the counts below final.
      await lockReps(manager, eligible.map((m) => m.userId));
      const counts = await activeLeadCounts(manager, eligible.map((m) => m.userId));
      const pick = eligible.find((m) => (counts.get(m.userId) ?? 0) < team.maxActiveLeads);
      const now = Date.now();

      if (!pick) {
        const why = !members.length
          ? `${via}，但团队没有可分配的成员`
          : !eligible.length
            ? `${via}，团队中除退回人外没有其他成员`
            : `${via}，团队成员的在跟进线索均已达上限（${team.maxActiveLeads} 条）`;
        const moved = await putInPool(manager, { lead, teamId: team.id, reason: why, dedupKey: `${key}:pooled`, now });
        return moved ? { kind: 'pooled', reason: why } : { kind: 'skipped' };
      }

      const reason = `${via}，轮询分配给 ${pick.userId}`;
      const settings = await loadPoolSettings(manager);
      const hours = followUpHoursFor(settings, { channelId: lead.channelId, teamId: team.id }, new Map([[team.id, team]]));
      const taken = await changeOwner(manager, {
        leadId,
        leadName: lead.name,
        kind: 'assigned',
        expect: { ownerUserId: null, inPool: false },
        to: { ownerUserId: pick.userId, inPool: false, teamId: team.id },
        fromUserId: null,
        reason,
        timeline: { kind: 'lead.assigned', summary: `自动分配：${reason}`, data: { userId: pick.userId, teamId: team.id } },
        key: `${key}:assigned`,
        followUpHours: hours,
        at: now,
      });
      if (!taken) return { kind: 'skipped' };
      // Strictly after every member's stamp: two assignments in one millisecond still rotate.
      const latest = Math.max(0, ...members.map((m) => m.lastAssignedAt ?? 0));
      await manager.update(TeamMember, { id: pick.id }, { lastAssignedAt: Math.max(now, latest + 1) });
      return { kind: 'assigned', userId: pick.userId, reason };
    }),
  );
}

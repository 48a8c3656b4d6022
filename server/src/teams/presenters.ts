import type { AssignmentRule } from './assignment-rule.entity';
import type { Team } from './team.entity';
import type { TeamMember } from './team-member.entity';
import { isoOrNull } from '../util/time';

export function presentTeam(team: Team, members: TeamMember[]) {
  return {
    id: team.id,
    name: team.name,
    maxActiveLeads: team.maxActiveLeads,
    followUpHours: team.followUpHours,
    dailyClaimLimit: team.dailyClaimLimit,
    members: members.map((m) => ({ userId: m.userId, active: m.active, lastAssignedAt: isoOrNull(m.lastAssignedAt) })),
    createdAt: isoOrNull(team.createdAt),
  };
}

export function presentRule(rule: AssignmentRule) {
  return {
    id: rule.id,
    position: rule.position,
    name: rule.name,
    conditions: rule.conditions,
    teamId: rule.teamId,
    enabled: rule.enabled,
    createdAt: isoOrNull(rule.createdAt),
  };
}

import type { EntityManager } from 'typeorm';
import { AssignmentRule } from '../../teams/assignment-rule.entity';
import { Team } from '../../teams/team.entity';
import { loadAssignmentSettings } from './assignment-settings';
import { firstMatchingRule, LeadFacts } from './rules';

export type Route = { team: Team; via: string; ruleId: number | null } | { team: null; why: string };

/** Which team a lead goes to: the first matching rule's, else the default team, else none (→ pool). */
export async function routeLead(manager: EntityManager, facts: LeadFacts): Promise<Route> {
  const rules = await manager.find(AssignmentRule, { where: { enabled: true }, order: { position: 'ASC', id: 'ASC' } });
  const rule = firstMatchingRule(rules, facts);
  if (rule) {
    const team = await manager.findOneBy(Team, { id: rule.teamId });
    if (team) return { team, via: `规则「${rule.name}」→ 团队「${team.name}」`, ruleId: rule.id };
  }
  const { defaultTeam } = await loadAssignmentSettings(manager);
  if (!defaultTeam) return { team: null, why: '未匹配任何分配规则，且未配置默认团队' };
  const team = await manager.findOneBy(Team, { name: defaultTeam });
  if (!team) return { team: null, why: `未匹配任何分配规则，默认团队「${defaultTeam}」不存在` };
  return { team, via: `未匹配规则 → 默认团队「${team.name}」`, ruleId: null };
}

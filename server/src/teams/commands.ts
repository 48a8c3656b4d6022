import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import type { AppContext } from '../context';
import { isUniqueViolation } from '../db/data-source';
import { badRequest, conflict, notFound } from '../http/errors';
import type { PolicyActor } from '../policies/actor';
import { auditSettingsChange, changedFields } from '../settings/audit-settings-change';
import { AssignmentRule } from './assignment-rule.entity';
import { Team } from './team.entity';
import { TeamMember } from './team-member.entity';
import { presentRule, presentTeam } from './presenters';
import type { CreateRuleInput, CreateTeamInput, UpdateRuleInput, UpdateTeamInput } from './schemas';

type MemberInput = { userId: string; active: boolean };

async function loadTeam(manager: EntityManager, id: number) {
  const team = await manager.findOneBy(Team, { id });
  if (!team) return null;
  const members = await manager.find(TeamMember, { where: { teamId: id }, order: { id: 'ASC' } });
  return presentTeam(team, members);
}

/** Replaces the member list; a member kept keeps its round-robin cursor. */
async function setMembers(manager: EntityManager, teamId: number, members: MemberInput[]) {
  const wanted = new Map(members.map((m) => [m.userId, m]));
  const existing = await manager.find(TeamMember, { where: { teamId } });
  const gone = existing.filter((m) => !wanted.has(m.userId)).map((m) => m.id);
  if (gone.length) await manager.delete(TeamMember, { id: In(gone) });
  for (const m of existing) {
    const w = wanted.get(m.userId);
    if (w && w.active !== m.active) await manager.update(TeamMember, { id: m.id }, { active: w.active });
    wanted.delete(m.userId);
  }
  for (const m of wanted.values()) await manager.insert(TeamMember, { teamId, userId: m.userId, active: m.active, lastAssignedAt: null });
}

const duplicateName = (name: string) => conflict(`a team named "${name}" exists`, { field: 'name' });

/** A team as its audit rows keep it: what assignment reads, without the round-robin cursors. */
type TeamState = Pick<ReturnType<typeof presentTeam>, 'name' | 'maxActiveLeads' | 'followUpHours' | 'dailyClaimLimit'> & { members: MemberInput[] };
const teamState = (t: ReturnType<typeof presentTeam>): TeamState => ({
  name: t.name,
  maxActiveLeads: t.maxActiveLeads,
  followUpHours: t.followUpHours,
  dailyClaimLimit: t.dailyClaimLimit,
  members: t.members.map((m) => ({ userId: m.userId, active: m.active })),
});
const TEAM_FIELD_TEXT: Record<keyof TeamState, string> = {
  name: '名称',
  maxActiveLeads: '每人在手线索上限',
  followUpHours: '跟进时限',
  dailyClaimLimit: '每日领取上限',
  members: '成员',
};

export async function listTeams(ctx: AppContext) {
  const teams = await ctx.dataSource.getRepository(Team).find({ order: { id: 'ASC' } });
  const members = await ctx.dataSource.getRepository(TeamMember).find({ order: { id: 'ASC' } });
  return teams.map((t) => presentTeam(t, members.filter((m) => m.teamId === t.id)));
}

export async function getTeam(ctx: AppContext, id: number) {
  const team = await loadTeam(ctx.dataSource.manager, id);
  if (!team) throw notFound('team');
  return team;
}

/** `by`: who made the change, for the audit log (settings.team); null for the service itself (demo seeding). */
export async function createTeam(ctx: AppContext, input: CreateTeamInput, by: PolicyActor | null) {
  // Checked first so the usual duplicate never fails inside the transaction.
  if (await ctx.dataSource.getRepository(Team).findOneBy({ name: input.name })) throw duplicateName(input.name);
  try {
    return await ctx.dataSource.transaction(async (manager) => {
      const inserted = await manager.insert(Team, {
        name: input.name,
        maxActiveLeads: input.maxActiveLeads,
        followUpHours: input.followUpHours,
        dailyClaimLimit: input.dailyClaimLimit,
        createdAt: Date.now(),
      });
      const id = inserted.identifiers[0].id as number;
      await setMembers(manager, id, input.members);
      const team = (await loadTeam(manager, id))!;
      await auditSettingsChange(manager, by, { action: 'settings.team', purpose: `新建团队「${team.name}」`, detail: { teamId: id, after: teamState(team) } });
      return team;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(input.name);
    throw error;
  }
}

export async function updateTeam(ctx: AppContext, id: number, input: UpdateTeamInput, by: PolicyActor | null) {
  if (input.name) {
    const same = await ctx.dataSource.getRepository(Team).findOneBy({ name: input.name });
    if (same && same.id !== id) throw duplicateName(input.name);
  }
  try {
    const team = await ctx.dataSource.transaction(async (manager) => {
      const before = await loadTeam(manager, id);
      if (!before) return null;
      const { members, ...fields } = input;
      if (Object.keys(fields).length) await manager.update(Team, { id }, fields);
      if (members) await setMembers(manager, id, members);
      const after = (await loadTeam(manager, id))!;
      const changed = changedFields(teamState(before), teamState(after), ['name', 'members', 'maxActiveLeads', 'followUpHours', 'dailyClaimLimit']);
      if (changed.length) {
        await auditSettingsChange(manager, by, {
          action: 'settings.team',
          purpose: `修改团队「${before.name}」：${changed.map((f) => TEAM_FIELD_TEXT[f]).join('、')}`,
          detail: { teamId: id, before: teamState(before), after: teamState(after) },
        });
      }
      return after;
    });
    if (!team) throw notFound('team');
    return team;
  } catch (error) {
    if (isUniqueViolation(error) && input.name) throw duplicateName(input.name);
    throw error;
  }
}

/** A team rules still route to cannot go; its leads keep their team id for history. */
export async function deleteTeam(ctx: AppContext, id: number, by: PolicyActor | null) {
  const result = await ctx.dataSource.transaction(async (manager) => {
    const before = await loadTeam(manager, id);
    if (!before) return 'missing' as const;
    const rules = await manager.find(AssignmentRule, { where: { teamId: id } });
    if (rules.length) return rules.map((r) => r.id);
    await manager.delete(TeamMember, { teamId: id });
    await manager.delete(Team, { id });
    await auditSettingsChange(manager, by, { action: 'settings.team', purpose: `删除团队「${before.name}」`, detail: { teamId: id, before: teamState(before) } });
    return 'deleted' as const;
  });
  if (result === 'missing') throw notFound('team');
  if (Array.isArray(result)) throw conflict('assignment rules still route to this team; change or delete them first', { ruleIds: result });
}

async function requireTeam(manager: EntityManager, teamId: number) {
  if (!(await manager.findOneBy(Team, { id: teamId }))) {
    throw badRequest('teamId does not name a team', { fields: [{ path: 'teamId', message: 'no such team' }] });
  }
}

export async function listRules(ctx: AppContext) {
  const rules = await ctx.dataSource.getRepository(AssignmentRule).find({ order: { position: 'ASC', id: 'ASC' } });
  return rules.map(presentRule);
}

/** A rule as its audit rows keep it. */
type RuleState = Pick<AssignmentRule, 'name' | 'position' | 'conditions' | 'teamId' | 'enabled'>;
const ruleState = (r: RuleState): RuleState => ({ name: r.name, position: r.position, conditions: r.conditions, teamId: r.teamId, enabled: r.enabled });
const RULE_FIELD_TEXT: Record<keyof RuleState, string> = { name: '名称', conditions: '条件', teamId: '负责团队', enabled: '启用状态', position: '顺序' };

/** The position after the last rule: where a rule goes when the caller does not say. */
export async function nextRulePosition(ctx: AppContext): Promise<number> {
  const last = await ctx.dataSource.getRepository(AssignmentRule).find({ order: { position: 'DESC' }, take: 1 });
  return Math.min((last[0]?.position ?? 0) + 10, 1_000_000);
}

/** `by`: who made the change, for the audit log (settings.assignment). */
export async function createRule(ctx: AppContext, input: CreateRuleInput, by: PolicyActor | null) {
  return ctx.dataSource.transaction(async (manager) => {
    await requireTeam(manager, input.teamId);
    const inserted = await manager.insert(AssignmentRule, { ...input, createdAt: Date.now() });
    const rule = await manager.findOneByOrFail(AssignmentRule, { id: inserted.identifiers[0].id });
    await auditSettingsChange(manager, by, { action: 'settings.assignment', purpose: `新建分配规则「${rule.name}」`, detail: { ruleId: rule.id, after: ruleState(rule) } });
    return presentRule(rule);
  });
}

export async function updateRule(ctx: AppContext, id: number, input: UpdateRuleInput, by: PolicyActor | null) {
  return ctx.dataSource.transaction(async (manager) => {
    const rule = await manager.findOneBy(AssignmentRule, { id });
    if (!rule) throw notFound('assignment rule');
    if (input.teamId !== undefined) await requireTeam(manager, input.teamId);
    const before = ruleState(rule);
    Object.assign(rule, input);
    await manager.save(rule);
    const changed = changedFields(before, ruleState(rule), ['name', 'conditions', 'teamId', 'enabled', 'position']);
    if (changed.length) {
      await auditSettingsChange(manager, by, {
        action: 'settings.assignment',
        purpose: `修改分配规则「${before.name}」：${changed.map((f) => RULE_FIELD_TEXT[f]).join('、')}`,
        detail: { ruleId: id, before, after: ruleState(rule) },
      });
    }
    return presentRule(rule);
  });
}

export async function deleteRule(ctx: AppContext, id: number, by: PolicyActor | null) {
  await ctx.dataSource.transaction(async (manager) => {
    const rule = await manager.findOneBy(AssignmentRule, { id });
    if (!rule) throw notFound('assignment rule');
    await manager.delete(AssignmentRule, { id });
    await auditSettingsChange(manager, by, { action: 'settings.assignment', purpose: `删除分配规则「${rule.name}」`, detail: { ruleId: id, before: ruleState(rule) } });
  });
}

/**
 * Puts the rules in the order given (every rule's id once, first = tried first) with positions
 * 10, 20, 30…, in one transaction. A list that is not exactly the rules there are (one was added
 * or deleted since the caller read them) changes nothing: 409 with the ids in their current order.
 */
export async function reorderRules(ctx: AppContext, ids: number[], by: PolicyActor | null) {
  return ctx.dataSource.transaction(async (manager) => {
    const rules = await manager.find(AssignmentRule, { order: { position: 'ASC', id: 'ASC' } });
    const current = rules.map((r) => r.id);
    if (ids.length !== current.length || new Set(ids).size !== ids.length || !ids.every((id) => current.includes(id))) {
      throw conflict('the list of assignment rules changed; reload it and try again', { ids: current });
    }
    const byId = new Map(rules.map((r) => [r.id, r]));
    for (const [i, id] of ids.entries()) {
      const position = (i + 1) * 10;
      if (byId.get(id)!.position !== position) await manager.update(AssignmentRule, { id }, { position });
      byId.get(id)!.position = position;
    }
    if (ids.some((id, i) => id !== current[i])) {
      await auditSettingsChange(manager, by, {
        action: 'settings.assignment',
        purpose: `调整分配规则顺序：${ids.map((id) => `「${byId.get(id)!.name}」`).join(' → ')}`,
        detail: { before: current, after: ids },
      });
    }
    return ids.map((id) => presentRule(byId.get(id)!));
  });
}

import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import type { AppContext } from '../context';
import { isUniqueViolation } from '../db/data-source';
import { badRequest, conflict, notFound } from '../http/errors';
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

export async function createTeam(ctx: AppContext, input: CreateTeamInput) {
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
      return (await loadTeam(manager, id))!;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(input.name);
    throw error;
  }
}

export async function updateTeam(ctx: AppContext, id: number, input: UpdateTeamInput) {
  if (input.name) {
    const same = await ctx.dataSource.getRepository(Team).findOneBy({ name: input.name });
    if (same && same.id !== id) throw duplicateName(input.name);
  }
  try {
    const team = await ctx.dataSource.transaction(async (manager) => {
      if (!(await manager.findOneBy(Team, { id }))) return null;
      const { members, ...fields } = input;
      if (Object.keys(fields).length) await manager.update(Team, { id }, fields);
      if (members) await setMembers(manager, id, members);
      return loadTeam(manager, id);
    });
    if (!team) throw notFound('team');
    return team;
  } catch (error) {
    if (isUniqueViolation(error) && input.name) throw duplicateName(input.name);
    throw error;
  }
}

/** A team rules still route to cannot go; its leads keep their team id for history. */
export async function deleteTeam(ctx: AppContext, id: number) {
  const result = await ctx.dataSource.transaction(async (manager) => {
    if (!(await manager.findOneBy(Team, { id }))) return 'missing' as const;
    const rules = await manager.find(AssignmentRule, { where: { teamId: id } });
    if (rules.length) return rules.map((r) => r.id);
    await manager.delete(TeamMember, { teamId: id });
    await manager.delete(Team, { id });
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

export async function createRule(ctx: AppContext, input: CreateRuleInput) {
  await requireTeam(ctx.dataSource.manager, input.teamId);
  const inserted = await ctx.dataSource.getRepository(AssignmentRule).insert({ ...input, createdAt: Date.now() });
  return presentRule(await ctx.dataSource.getRepository(AssignmentRule).findOneByOrFail({ id: inserted.identifiers[0].id }));
}

export async function updateRule(ctx: AppContext, id: number, input: UpdateRuleInput) {
  const repo = ctx.dataSource.getRepository(AssignmentRule);
  const rule = await repo.findOneBy({ id });
  if (!rule) throw notFound('assignment rule');
  if (input.teamId !== undefined) await requireTeam(ctx.dataSource.manager, input.teamId);
  Object.assign(rule, input);
  await repo.save(rule);
  return presentRule(rule);
}

export async function deleteRule(ctx: AppContext, id: number) {
  const result = await ctx.dataSource.getRepository(AssignmentRule).delete({ id });
  if (!result.affected) throw notFound('assignment rule');
}

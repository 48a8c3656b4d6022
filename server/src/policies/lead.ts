import type { EntityManager } from 'typeorm';
import { HttpError } from '../http/errors';
import { Lead } from '../leads/lead.entity';
import { LeadAssignment } from '../leads/lead-assignment.entity';
import { ALLOWED_TRANSITIONS } from '../leads/stages/transitions';
import {
  forbidden,
  hasRole,
  hidden,
  membersOfManagedTeams,
  NOTHING,
  PolicyActor,
  ScopeSql,
  seesEverything,
  worksLeads,
} from './actor';
import { DAY_MS } from '../util/time';

/**
 * Who may see and do what with a lead. The rules (issue 10):
 * - the admin token, and members with the admin role, see every lead;
 * - a rep sees the leads they own and the pool (公海) of their teams;
 * - a manager sees their teams' leads — leads owned by members of the teams they manage — and
 *   the pool of those teams (and their own leads and teams' pool, when they also sell);
 * - pool leads that assignment routed to no team form the corp-wide pool, which every member who
 *   works leads (rep, manager) sees: they belong to no team, and would otherwise be nobody's;
 * - store staff see no leads (their entries have their own policy, entry.ts);
 * - anything else does not exist for the actor: 404, the same as an id nobody has.
 * Every route and command asks here; no role is checked anywhere else.
 */

/** What a policy needs to know about a lead. */
export type LeadFacts = Pick<Lead, 'ownerUserId' | 'inPool' | 'teamId' | 'stage' | 'mergedIntoId'>;

/** What an actor's roles reach, resolved once per request (a manager's team members are read from the database). */
/**
 * Whose WeCom remarks this actor's search may match: every rep's for who sees everything,
 * otherwise only their own — another rep's remark (often a phone number) is theirs to read, and
 * a search that matches it would tell what it holds.
 */
export function searchableRemarksOf(scope: LeadScope): string | undefined {
  return scope.all ? undefined : (scope.self ?? '');
}

export interface LeadScope {
  actor: PolicyActor;
  all: boolean;
  /** The actor's own userid, when they work leads (rep, manager). */
  self: string | null;
  /** Members of the teams the actor manages: their leads are the manager's team's leads. */
  teamOwners: ReadonlySet<string>;
  /** Teams whose pool the actor sees. */
  poolTeamIds: readonly number[];
  /** Sees the corp-wide pool (pool leads of no team). */
  sharedPool: boolean;
}

export async function leadScopeOf(manager: EntityManager, actor: PolicyActor): Promise<LeadScope> {
  const member = actor.kind === 'member' ? actor : null;
  const poolTeamIds = new Set<number>();
  if (member && hasRole(actor, 'rep')) for (const id of member.teamIds) poolTeamIds.add(id);
  if (member && hasRole(actor, 'manager')) for (const id of [...member.managedTeamIds, ...member.teamIds]) poolTeamIds.add(id);
  return {
    actor,
    all: seesEverything(actor),
    self: member && worksLeads(actor) ? member.userId : null,
    teamOwners: await membersOfManagedTeams(manager, actor),
    poolTeamIds: [...poolTeamIds].sort((a, b) => a - b),
    sharedPool: worksLeads(actor),
  };
}

const owns = (scope: LeadScope, lead: LeadFacts) => scope.self !== null && lead.ownerUserId === scope.self;

/** The actor answers for this lead above its owner: admin, or the manager of the owner's team. */
const manages = (scope: LeadScope, lead: LeadFacts) => scope.all || (!!lead.ownerUserId && scope.teamOwners.has(lead.ownerUserId));

/** The pool of this team (null: the corp-wide pool) is one the actor sees. */
const seesPoolOf = (scope: LeadScope, teamId: number | null) => scope.all || (teamId == null ? scope.sharedPool : scope.poolTeamIds.includes(teamId));

/** An ownerless lead in a pool this actor sees. */
const inVisiblePool = (scope: LeadScope, lead: LeadFacts) => lead.inPool && !lead.ownerUserId && seesPoolOf(scope, lead.teamId);

export function canSeeLead(scope: LeadScope, lead: LeadFacts): boolean {
  return scope.all || owns(scope, lead) || manages(scope, lead) || inVisiblePool(scope, lead);
}

export type LeadAction = 'view' | 'reveal' | 'editTags' | 'followUp' | 'changeStage' | 'claim' | 'return' | 'nurture' | 'reassign' | 'merge' | 'readChats';

/**
 * Whether the actor may do this to a lead they can see, whatever state it is in (a stage change
 * on a won lead is permitted here and refused by the stage machine with its own 409).
 */
export function mayDo(scope: LeadScope, lead: LeadFacts, action: LeadAction): boolean {
  if (!canSeeLead(scope, lead)) return false;
  switch (action) {
    case 'view':
      return true;
    // A pool lead's number and tags are for whoever claims it, not for everyone browsing the pool.
    case 'reveal':
    case 'editTags':
    case 'changeStage':
      return owns(scope, lead) || manages(scope, lead);
    // Enrolling in (or taking out of) a nurture sequence: its pushes go out in the owner's name,
    // so it is for the owner and those who answer for them; a pool lead has no one to send them.
    case 'nurture':
      return owns(scope, lead) || manages(scope, lead);
    // Follow-ups are the owner's work: they stop the owner's release clock.
    case 'followUp':
      return owns(scope, lead);
    // Claiming makes the actor the owner: reps only. The command decides what a lead that has
    // left the pool answers (the same lead again for its new owner, else already claimed).
    case 'claim':
      return hasRole(scope.actor, 'rep');
    case 'return':
      return owns(scope, lead) && hasRole(scope.actor, 'rep');
    // Giving a lead to someone (console, admin API): whoever answers for it — the admin, the
    // manager of its owner's team — or, for a pool lead, a manager who sees that pool (the lead
    // goes to one of their reps, as a rep could have claimed it). Whom it may go to: mayAssignTo.
    case 'reassign':
      return manages(scope, lead) || (hasRole(scope.actor, 'manager') && inVisiblePool(scope, lead));
    // A merge moves one lead's history into another: for who answers for both (checked on each).
    case 'merge':
      return owns(scope, lead) || manages(scope, lead);
    // The archived chats (会话存档) are the owner's conversations: for the owner and those who
    // answer for them, not for a rep browsing the pool (a pool lead's chats were another rep's).
    case 'readChats':
      return owns(scope, lead) || manages(scope, lead);
  }
}

/**
 * Whom the actor may give a lead to: anyone for who sees everything (the command still checks
 * the member exists), otherwise a member of a team they manage — a manager cannot send a lead
 * out of their own teams, where they would no longer see it.
 */
export function mayAssignTo(scope: LeadScope, userId: string): boolean {
  return scope.all || scope.teamOwners.has(userId);
}

const REFUSALS: Record<Exclude<LeadAction, 'view'>, string> = {
  reveal: '只有线索负责人或其团队主管可以查看完整信息',
  editTags: '只有线索负责人或其团队主管可以修改标签',
  followUp: '只有线索负责人可以记录跟进',
  changeStage: '只有线索负责人或其团队主管可以变更阶段',
  claim: '只有销售可以从公海认领线索',
  return: '只有线索负责人可以退回线索',
  nurture: '只有线索负责人或其团队主管可以管理培育',
  reassign: '只有管理员或该线索所属团队的主管可以改派',
  merge: '只有线索负责人、其团队主管或管理员可以合并线索',
  readChats: '聊天记录仅线索负责人及其主管可见',
};

/** The buttons a member gets on a lead: what they may do and what the lead's state allows now. */
export interface LeadActions {
  canReveal: boolean;
  canEditTags: boolean;
  canFollowUp: boolean;
  canChangeStage: boolean;
  canClaim: boolean;
  canReturn: boolean;
}

const isClosed = (lead: LeadFacts) => lead.stage === 'won' || lead.stage === 'lost';

export function leadActions(scope: LeadScope, lead: LeadFacts): LeadActions {
  const live = !lead.mergedIntoId && canSeeLead(scope, lead);
  return {
    canReveal: live && mayDo(scope, lead, 'reveal'),
    canEditTags: live && mayDo(scope, lead, 'editTags'),
    canFollowUp: live && mayDo(scope, lead, 'followUp'),
    canChangeStage: live && mayDo(scope, lead, 'changeStage') && ALLOWED_TRANSITIONS[lead.stage].length > 0,
    canClaim: live && mayDo(scope, lead, 'claim') && inVisiblePool(scope, lead),
    canReturn: live && mayDo(scope, lead, 'return') && !lead.inPool && !isClosed(lead),
  };
}

/**
 * The lead, if the actor may do `action` to it: 404 when they cannot see it (or it does not
 * exist), 403 when they see it but may not do this, 409 `lead_merged` when it lives on in
 * another lead (reading it is refused too: its history moved to the lead it was merged into).
 */
export function authorizeLead<T extends LeadFacts>(scope: LeadScope, lead: T | null, action: LeadAction): T {
  if (!lead || !canSeeLead(scope, lead)) throw hidden('线索');
  if (lead.mergedIntoId) {
    throw new HttpError(409, 'lead_merged', `该线索已合并到线索 #${lead.mergedIntoId}，请在该线索上操作`, { mergedIntoId: lead.mergedIntoId });
  }
  if (action !== 'view' && !mayDo(scope, lead, action)) throw forbidden(REFUSALS[action]);
  return lead;
}

/** Reads the lead (in the caller's transaction, when given its manager) and authorizes `action` on it. */
export async function findLeadFor(manager: EntityManager, actor: PolicyActor, leadId: number, action: LeadAction): Promise<{ lead: Lead; scope: LeadScope }> {
  const [lead, scope] = await Promise.all([manager.findOneBy(Lead, { id: leadId }), leadScopeOf(manager, actor)]);
  return { lead: authorizeLead(scope, lead, action), scope };
}

export const alreadyClaimed = () => new HttpError(409, 'already_claimed', '该线索已被其他同事认领');

/** How long a lead someone claimed still answers "already claimed" to those who saw it in their pool. */
const CLAIMED_NOTICE_MS = DAY_MS;

/**
 * May the actor claim this lead: the claim rule of `authorizeLead`, with one difference. A lead
 * that was in a pool the actor sees and that someone else claimed in the last day answers 409
 * already_claimed, not 404: the member saw it in the pool list a moment ago, and "not found"
 * would be wrong. It tells them nothing they could not see (it was in their pool). Read from the
 * lead's ownership history: its last row is the claim, the one before put it in that pool (kind
 * `released`: a release for want of follow-up, or assignment sending it to the pool).
 */
export async function authorizeClaim(manager: EntityManager, scope: LeadScope, lead: Lead | null, now = Date.now()): Promise<Lead> {
  if (lead && !lead.mergedIntoId && !canSeeLead(scope, lead) && hasRole(scope.actor, 'rep')) {
    const [claim, before] = await manager.find(LeadAssignment, { where: { leadId: lead.id }, order: { id: 'DESC' }, take: 2 });
    if (claim?.kind === 'claimed' && claim.createdAt >= now - CLAIMED_NOTICE_MS) {
      // The pool it was in: the team on the row that put it there (null: the corp-wide pool).
      if (before?.kind === 'released' && seesPoolOf(scope, before.teamId)) throw alreadyClaimed();
    }
  }
  return authorizeLead(scope, lead, 'claim');
}

/**
 * Every lead the actor may see (canSeeLead), as SQL on the lead table (`alias`): their own, the
 * pools they see, and their teams' leads; the console's lead table lists these.
 */
export function visibleLeadsSql(scope: LeadScope, alias = 'l'): ScopeSql {
  if (scope.all) return { sql: '1 = 1', params: {} };
  const parts: ScopeSql[] = [];
  for (const list of ['mine', 'pool', 'team'] as const) {
    if (list === 'mine' && scope.self === null) continue;
    if (list === 'pool' && !scope.sharedPool) continue;
    if (list === 'team' && (!hasRole(scope.actor, 'manager') || scope.teamOwners.size === 0)) continue;
    parts.push(leadListSql(scope, list, alias));
  }
  if (!parts.length) return NOTHING;
  return { sql: `(${parts.map((p) => `(${p.sql})`).join(' OR ')})`, params: Object.assign({}, ...parts.map((p) => p.params)) };
}

export type LeadListScope = 'mine' | 'pool' | 'team';

/**
 * Which leads a list may return, as SQL on the lead table (`alias`): the actor's own leads
 * (`mine`), the pools they see (`pool`), or their teams' leads (`team`, managers and admins).
 * A list the actor has no business asking for (store staff asking for leads, a rep asking for
 * a team) is a 404 like any route they cannot use.
 */
export function leadListSql(scope: LeadScope, list: LeadListScope, alias = 'l'): ScopeSql {
  const a = alias;
  switch (list) {
    case 'mine':
      if (scope.self === null) throw hidden('线索');
      return { sql: `${a}.owner_user_id = :scopeSelf`, params: { scopeSelf: scope.self } };
    case 'pool': {
      if (scope.all) return { sql: `${a}.in_pool = 1 AND ${a}.owner_user_id IS NULL`, params: {} };
      if (!scope.sharedPool) throw hidden('线索');
      const teams = scope.poolTeamIds.length ? ` OR ${a}.team_id IN (:...scopePoolTeams)` : '';
      return { sql: `${a}.in_pool = 1 AND ${a}.owner_user_id IS NULL AND (${a}.team_id IS NULL${teams})`, params: { scopePoolTeams: scope.poolTeamIds } };
    }
    case 'team':
      if (scope.all) return { sql: `${a}.owner_user_id IS NOT NULL`, params: {} };
      if (!hasRole(scope.actor, 'manager')) throw hidden('线索');
      if (scope.teamOwners.size === 0) return NOTHING;
      return { sql: `${a}.owner_user_id IN (:...scopeTeamOwners)`, params: { scopeTeamOwners: [...scope.teamOwners].sort() } };
  }
}

/**
 * The leads whose archived chats a search across leads may return, as SQL on the lead table
 * (`alias`): exactly those `readChats` allows — every lead for who sees everything; for a manager,
 * the leads owned by members of the teams they manage, and their own. Searching is for managers
 * and admins: anyone else gets 403 (they may still read their own leads' chats one lead at a time).
 */
export function chatSearchSql(scope: LeadScope, alias = 'l'): ScopeSql {
  if (scope.all) return { sql: '1 = 1', params: {} };
  if (!hasRole(scope.actor, 'manager')) throw forbidden('聊天记录搜索仅主管和管理员可用');
  const owners = new Set(scope.teamOwners);
  if (scope.self !== null) owners.add(scope.self);
  if (owners.size === 0) return NOTHING;
  return { sql: `${alias}.owner_user_id IN (:...chatSearchOwners)`, params: { chatSearchOwners: [...owners].sort() } };
}

import { DataSource } from 'typeorm';
import { openDatabase } from '../src/db/data-source';
import { HttpError } from '../src/http/errors';
import type { Lead } from '../src/leads/lead.entity';
import { filteredLeads } from '../src/leads/queries';
import { AuditLog } from '../src/audit/audit-log.entity';
import { LeadAssignment } from '../src/leads/lead-assignment.entity';
import type { MemberActor, MemberRole } from '../src/members/member-actor';
import { ADMIN_ACTOR, PolicyActor, seesEverything } from '../src/policies/actor';
import { auditListSql, auditScopeOf, canSeeAuditRow } from '../src/policies/audit';
import { authorizeEntry, canSeeEntry, entryListSql, storeForNewEntry } from '../src/policies/entry';
import { authorizeClaim, authorizeLead, canSeeLead, chatSearchSql, LeadAction, leadActions, leadListSql, LeadListScope, leadScopeOf, mayDo } from '../src/policies/lead';
import { statsScopeOf } from '../src/policies/stats';
import { Team } from '../src/teams/team.entity';
import { TeamMember } from '../src/teams/team-member.entity';
import { createTestDatabase, TestDatabase } from './support/database';
import { makeLead } from './support/factories';

/**
 * Every policy, asked directly with MemberActor values, against a real database: every role
 * against every rule. Two teams (T1: rep-a, rep-b; T2: rep-c), a manager of each, a member who
 * sells in T1 and manages T2, a clerk, an admin member and the admin token.
 */
describe('policies', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let t1: number;
  let t2: number;

  const member = (userId: string, roles: MemberRole[], teams: { teamIds?: number[]; managedTeamIds?: number[]; storeId?: number | null } = {}): MemberActor => ({
    kind: 'member',
    userId,
    roles,
    storeId: teams.storeId ?? null,
    teamIds: teams.teamIds ?? [],
    managedTeamIds: teams.managedTeamIds ?? [],
  });

  let actors: Record<string, PolicyActor>;
  let leads: Record<string, Lead>;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await openDatabase(db.url);
    const now = Date.now();
    t1 = (await ds.getRepository(Team).insert({ name: 'T1', maxActiveLeads: 100, followUpHours: null, dailyClaimLimit: null, createdAt: now })).identifiers[0].id;
    t2 = (await ds.getRepository(Team).insert({ name: 'T2', maxActiveLeads: 100, followUpHours: null, dailyClaimLimit: null, createdAt: now })).identifiers[0].id;
    for (const [teamId, userId, active] of [
      [t1, 'rep-a', true],
      [t1, 'rep-b', false], // on leave: still the team's, and so are their leads
      [t2, 'rep-c', true],
      [t1, 'seller-manager', true],
    ] as const) {
      await ds.getRepository(TeamMember).insert({ teamId, userId, active, lastAssignedAt: null });
    }
    actors = {
      repA: member('rep-a', ['rep'], { teamIds: [t1] }),
      repB: member('rep-b', ['rep'], { teamIds: [t1] }),
      repC: member('rep-c', ['rep'], { teamIds: [t2] }),
      loneRep: member('rep-lone', ['rep']),
      manager1: member('manager-1', ['manager'], { managedTeamIds: [t1] }),
      manager2: member('manager-2', ['manager'], { managedTeamIds: [t2] }),
      sellerManager: member('seller-manager', ['rep', 'manager'], { teamIds: [t1], managedTeamIds: [t2] }),
      clerk: member('clerk-1', ['store_staff'], { storeId: 1 }),
      storelessClerk: member('clerk-2', ['store_staff']),
      adminMember: member('boss', ['admin']),
      adminToken: ADMIN_ACTOR,
    };
    const L = (fields: Partial<Lead>) => makeLead(ds, fields);
    leads = {
      ownA: await L({ ownerUserId: 'rep-a', teamId: t1 }),
      ownB: await L({ ownerUserId: 'rep-b', teamId: t1 }),
      ownC: await L({ ownerUserId: 'rep-c', teamId: t2 }),
      ownSellerManager: await L({ ownerUserId: 'seller-manager', teamId: t1 }),
      ownOutsider: await L({ ownerUserId: 'outsider', teamId: null }),
      wonA: await L({ ownerUserId: 'rep-a', teamId: t1, stage: 'won' }),
      pool1: await L({ inPool: true, poolSince: now, teamId: t1 }),
      pool2: await L({ inPool: true, poolSince: now, teamId: t2 }),
      poolShared: await L({ inPool: true, poolSince: now, teamId: null }),
      waiting: await L({ ownerUserId: null, inPool: false, teamId: null }),
    };
    leads.mergedA = await L({ ownerUserId: 'rep-a', teamId: t1, mergedIntoId: leads.ownA.id });
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  const LEAD_KEYS = ['ownA', 'ownB', 'ownC', 'ownSellerManager', 'ownOutsider', 'wonA', 'pool1', 'pool2', 'poolShared', 'waiting', 'mergedA'];
  const ALL_LEADS = () => LEAD_KEYS;

  /** Who sees which lead: the rules of issue 10, written out. */
  const SEES: Record<string, string[]> = {
    repA: ['ownA', 'wonA', 'pool1', 'poolShared', 'mergedA'],
    repB: ['ownB', 'pool1', 'poolShared'],
    repC: ['ownC', 'pool2', 'poolShared'],
    loneRep: ['poolShared'],
    // Manager of T1: the leads of rep-a, rep-b (on leave) and seller-manager, T1's pool, the shared pool.
    manager1: ['ownA', 'ownB', 'ownSellerManager', 'wonA', 'mergedA', 'pool1', 'poolShared'],
    manager2: ['ownC', 'pool2', 'poolShared'],
    // Sells in T1 (own leads, T1's pool), manages T2 (rep-c's leads, T2's pool).
    sellerManager: ['ownSellerManager', 'ownC', 'pool1', 'pool2', 'poolShared'],
    clerk: [],
    storelessClerk: [],
    adminMember: ALL_LEADS(),
    adminToken: ALL_LEADS(),
  };

  it('lead visibility: every actor × every lead', async () => {
    for (const [name, actor] of Object.entries(actors)) {
      const scope = await leadScopeOf(ds.manager, actor);
      const seen = ALL_LEADS().filter((key) => canSeeLead(scope, leads[key]));
      expect({ name, seen: seen.sort() }).toEqual({ name, seen: [...(SEES[name] ?? ALL_LEADS())].sort() });
    }
  });

  it('a lead the actor may not see is 404 exactly like a missing id; a merged one they see is 409', async () => {
    for (const [name, actor] of Object.entries(actors)) {
      const scope = await leadScopeOf(ds.manager, actor);
      const missing = captureError(() => authorizeLead(scope, null, 'view'));
      expect(missing).toMatchObject({ status: 404, code: 'not_found' });
      for (const key of ALL_LEADS()) {
        const outcome = captureError(() => authorizeLead(scope, leads[key], 'view'));
        if (!SEES[name].includes(key)) {
          // Same status, code and message as an id nobody has: nothing to tell them apart.
          expect({ name, key, status: outcome?.status, code: outcome?.code, message: outcome?.message }).toEqual({
            name,
            key,
            status: 404,
            code: 'not_found',
            message: missing!.message,
          });
        } else if (key === 'mergedA') {
          expect({ name, key, status: outcome?.status, code: outcome?.code }).toEqual({ name, key, status: 409, code: 'lead_merged' });
        } else {
          expect({ name, key, outcome }).toEqual({ name, key, outcome: null });
        }
      }
    }
  });

  /** What each actor may do to the leads they see (merged ones aside): the letters of R E F S C T. */
  const ACTIONS: LeadAction[] = ['reveal', 'editTags', 'followUp', 'changeStage', 'claim', 'return'];
  const MAY: Record<string, Record<string, string>> = {
    // R reveal, E edit tags, F follow up, S change stage, C claim, T return (take back to the pool)
    repA: { ownA: 'REFSCT', wonA: 'REFSCT', pool1: 'C', poolShared: 'C' },
    repB: { ownB: 'REFSCT', pool1: 'C', poolShared: 'C' },
    repC: { ownC: 'REFSCT', pool2: 'C', poolShared: 'C' },
    loneRep: { poolShared: 'C' },
    // A manager answers for the team's leads (reveal, tags, stage) but does not work them.
    manager1: { ownA: 'RES', ownB: 'RES', ownSellerManager: 'RES', wonA: 'RES', pool1: '', poolShared: '' },
    manager2: { ownC: 'RES', pool2: '', poolShared: '' },
    sellerManager: { ownSellerManager: 'REFSCT', ownC: 'RESC', pool1: 'C', pool2: 'C', poolShared: 'C' },
    clerk: {},
    storelessClerk: {},
  };
  const LETTER: Record<string, LeadAction> = { R: 'reveal', E: 'editTags', F: 'followUp', S: 'changeStage', C: 'claim', T: 'return' };

  it('what each actor may do: every role × every action on every lead they see', async () => {
    for (const [name, actor] of Object.entries(actors)) {
      const scope = await leadScopeOf(ds.manager, actor);
      for (const key of ALL_LEADS().filter((k) => k !== 'mergedA')) {
        let expected: LeadAction[];
        if (name === 'adminMember' || name === 'adminToken') expected = ['reveal', 'editTags', 'changeStage'];
        else expected = [...(MAY[name][key] ?? '')].map((letter) => LETTER[letter]);
        const allowed = ACTIONS.filter((action) => mayDo(scope, leads[key], action));
        expect({ name, key, allowed }).toEqual({ name, key, allowed: expected });
        // authorizeLead agrees: 403 for a lead they see, 404 for one they do not.
        for (const action of ACTIONS) {
          const outcome = captureError(() => authorizeLead(scope, leads[key], action));
          const want = expected.includes(action) ? null : SEES[name].includes(key) ? 403 : 404;
          expect({ name, key, action, status: outcome?.status ?? null }).toEqual({ name, key, action, status: want });
          if (want === 403) expect(outcome!.message).toMatch(/[\u4e00-\u9fff]/);
        }
      }
    }
  });

  it("the actions a lead's detail shows: permission and the lead's state together", async () => {
    const repA = await leadScopeOf(ds.manager, actors.repA);
    expect(leadActions(repA, leads.ownA)).toEqual({ canReveal: true, canEditTags: true, canFollowUp: true, canChangeStage: true, canClaim: false, canReturn: true });
    // Won: no stage left to move to, nothing to return.
    expect(leadActions(repA, leads.wonA)).toEqual({ canReveal: true, canEditTags: true, canFollowUp: true, canChangeStage: false, canClaim: false, canReturn: false });
    expect(leadActions(repA, leads.pool1)).toEqual({ canReveal: false, canEditTags: false, canFollowUp: false, canChangeStage: false, canClaim: true, canReturn: false });
    // Merged away, or out of sight: nothing at all.
    const none = { canReveal: false, canEditTags: false, canFollowUp: false, canChangeStage: false, canClaim: false, canReturn: false };
    expect(leadActions(repA, leads.mergedA)).toEqual(none);
    expect(leadActions(repA, leads.ownB)).toEqual(none);
    const manager1 = await leadScopeOf(ds.manager, actors.manager1);
    expect(leadActions(manager1, leads.ownB)).toEqual({ canReveal: true, canEditTags: true, canFollowUp: false, canChangeStage: true, canClaim: false, canReturn: false });
    expect(leadActions(manager1, leads.pool1)).toEqual(none);
    const sellerManager = await leadScopeOf(ds.manager, actors.sellerManager);
    // Claimable only while in the pool: rep-c's lead is not, though the seller-manager may claim.
    expect(leadActions(sellerManager, leads.ownC).canClaim).toBe(false);
    expect(leadActions(sellerManager, leads.pool2).canClaim).toBe(true);
    const clerk = await leadScopeOf(ds.manager, actors.clerk);
    expect(leadActions(clerk, leads.poolShared)).toEqual(none);
  });

  /** What each list returns: the list scopes as SQL, run on the database. */
  const LISTS: Record<string, Partial<Record<LeadListScope, string[] | 404>>> = {
    repA: { mine: ['ownA', 'wonA'], pool: ['pool1', 'poolShared'], team: 404 },
    repB: { mine: ['ownB'], pool: ['pool1', 'poolShared'], team: 404 },
    repC: { mine: ['ownC'], pool: ['pool2', 'poolShared'], team: 404 },
    loneRep: { mine: [], pool: ['poolShared'], team: 404 },
    manager1: { mine: [], pool: ['pool1', 'poolShared'], team: ['ownA', 'ownB', 'ownSellerManager', 'wonA'] },
    manager2: { mine: [], pool: ['pool2', 'poolShared'], team: ['ownC'] },
    sellerManager: { mine: ['ownSellerManager'], pool: ['pool1', 'pool2', 'poolShared'], team: ['ownC'] },
    clerk: { mine: 404, pool: 404, team: 404 },
    storelessClerk: { mine: 404, pool: 404, team: 404 },
    adminMember: { mine: 404, pool: ['pool1', 'pool2', 'poolShared'], team: ['ownA', 'ownB', 'ownC', 'ownSellerManager', 'ownOutsider', 'wonA'] },
    adminToken: { mine: 404, pool: ['pool1', 'pool2', 'poolShared'], team: ['ownA', 'ownB', 'ownC', 'ownSellerManager', 'ownOutsider', 'wonA'] },
  };

  it('lead lists: every actor × mine / pool / team, as the database answers them', async () => {
    const keyOf = new Map(Object.entries(leads).map(([key, lead]) => [lead.id, key]));
    for (const [name, actor] of Object.entries(actors)) {
      const scope = await leadScopeOf(ds.manager, actor);
      for (const list of ['mine', 'pool', 'team'] as const) {
        const want = LISTS[name][list];
        let got: string[] | 404;
        try {
          const where = leadListSql(scope, list, 'l');
          const rows = await filteredLeads(ds.manager, {}).andWhere(where.sql, where.params).getMany();
          got = rows.map((r) => keyOf.get(r.id)!).sort();
          // Nothing a list returns is outside what the actor may see.
          for (const row of rows) expect({ name, list, id: row.id, seen: canSeeLead(scope, row) }).toEqual({ name, list, id: row.id, seen: true });
        } catch (error) {
          if (!(error instanceof HttpError) || error.status !== 404) throw error;
          got = 404;
        }
        expect({ name, list, got }).toEqual({ name, list, got: want === 404 ? 404 : [...want!].sort() });
      }
    }
  });

  /** Whose archived chats each actor reads (readChats: owner, the managers of the owner's teams, admins). */
  const READS_CHATS: Record<string, string[]> = {
    repA: ['ownA', 'wonA'],
    repB: ['ownB'],
    repC: ['ownC'],
    loneRep: [],
    manager1: ['ownA', 'ownB', 'ownSellerManager', 'wonA'],
    manager2: ['ownC'],
    sellerManager: ['ownSellerManager', 'ownC'],
    clerk: [],
    storelessClerk: [],
    adminMember: LEAD_KEYS.filter((k) => k !== 'mergedA'),
    adminToken: LEAD_KEYS.filter((k) => k !== 'mergedA'),
  };

  it('chats: every actor × every lead reads as readChats says (403 for a lead they see, 404 for one they do not); search is for managers and admins', async () => {
    for (const [name, actor] of Object.entries(actors)) {
      const scope = await leadScopeOf(ds.manager, actor);
      for (const key of ALL_LEADS().filter((k) => k !== 'mergedA')) {
        const outcome = captureError(() => authorizeLead(scope, leads[key], 'readChats'));
        const want = READS_CHATS[name].includes(key) ? null : SEES[name].includes(key) ? 403 : 404;
        expect({ name, key, status: outcome?.status ?? null }).toEqual({ name, key, status: want });
        if (want === 403) expect(outcome!.message).toBe('聊天记录仅线索负责人及其主管可见');
      }
      // The search scope, run on the database: exactly the leads readChats allows, or 403.
      let searched: string[] | 403;
      try {
        const where = chatSearchSql(scope, 'l');
        const rows = await filteredLeads(ds.manager, {}).andWhere(where.sql, where.params).getMany();
        const keyOf = new Map(Object.entries(leads).map(([k, lead]) => [lead.id, k]));
        searched = rows.map((r) => keyOf.get(r.id)).filter((k): k is string => !!k).sort();
      } catch (error) {
        if (!(error instanceof HttpError) || error.status !== 403) throw error;
        searched = 403;
      }
      const searches = seesEverything(actor) || (actor.kind === 'member' && actor.roles.includes('manager'));
      expect({ name, searched }).toEqual({ name, searched: searches ? [...READS_CHATS[name]].sort() : 403 });
    }
  });

  it('a pool lead claimed by someone else: 409 already claimed for those who saw it in their pool, for a day; 404 for the rest', async () => {
    const claimedAt = Date.now();
    const lead = await makeLead(ds, { ownerUserId: 'rep-a', teamId: t1, assignedAt: claimedAt });
    const history = (kind: 'released' | 'claimed', at: number, teamId: number | null, toUserId: string | null) =>
      ds.getRepository(LeadAssignment).insert({ leadId: lead.id, kind, fromUserId: null, toUserId, teamId, reason: kind, createdAt: at });
    await history('released', claimedAt - 60_000, t1, null);
    await history('claimed', claimedAt, t1, 'rep-a');
    const outcome = async (name: string, now = claimedAt) => {
      const scope = await leadScopeOf(ds.manager, actors[name]);
      try {
        await authorizeClaim(ds.manager, scope, lead, now);
        return 200;
      } catch (error) {
        return (error as HttpError).code;
      }
    };
    // rep-b and the seller-manager work in T1: it was in their pool.
    expect({ repB: await outcome('repB'), sellerManager: await outcome('sellerManager') }).toEqual({ repB: 'already_claimed', sellerManager: 'already_claimed' });
    // T2's rep, a rep in no team, a clerk: never in their pool.
    expect({ repC: await outcome('repC'), loneRep: await outcome('loneRep'), clerk: await outcome('clerk') }).toEqual({ repC: 'not_found', loneRep: 'not_found', clerk: 'not_found' });
    // The owner's retry passes (the command answers the same lead); T1's manager sees the lead but does not claim.
    expect({ repA: await outcome('repA'), manager1: await outcome('manager1') }).toEqual({ repA: 200, manager1: 'forbidden' });
    // A day later it is simply not theirs.
    expect(await outcome('repB', claimedAt + 25 * 3_600_000)).toBe('not_found');
  });

  it('entries: store staff see only their own, admins all, everyone else nothing (404)', () => {
    const own = { createdByUserId: 'clerk-1', storeId: 1 };
    const colleagues = { createdByUserId: 'clerk-9', storeId: 1 };
    const SEE: Record<string, [boolean, boolean]> = {
      clerk: [true, false],
      storelessClerk: [false, false],
      adminMember: [true, true],
      adminToken: [true, true],
    };
    for (const [name, actor] of Object.entries(actors)) {
      const [seesOwn, seesColleagues] = SEE[name] ?? [false, false];
      expect({ name, own: canSeeEntry(actor, own), colleagues: canSeeEntry(actor, colleagues) }).toEqual({ name, own: seesOwn, colleagues: seesColleagues });
      expect({ name, status: captureError(() => authorizeEntry(actor, colleagues))?.status ?? null }).toEqual({ name, status: seesColleagues ? null : 404 });
      expect(captureError(() => authorizeEntry(actor, null))).toMatchObject({ status: 404, code: 'not_found' });
    }
    expect(storeForNewEntry(actors.clerk)).toEqual({ userId: 'clerk-1', storeId: 1 });
    expect(captureError(() => storeForNewEntry(actors.storelessClerk))).toMatchObject({ status: 403, code: 'forbidden' });
    for (const name of ['repA', 'manager1', 'sellerManager', 'adminMember', 'adminToken']) {
      expect({ name, status: captureError(() => storeForNewEntry(actors[name]))?.status }).toEqual({ name, status: 404 });
    }
    expect(entryListSql(actors.clerk, 'e.created_by_user_id')).toEqual({ sql: 'e.created_by_user_id = :entryCreatedBy', params: { entryCreatedBy: 'clerk-1' } });
    expect(entryListSql(actors.adminToken, 'e.created_by_user_id').sql).toBe('1 = 1');
    for (const name of ['repA', 'manager1', 'loneRep']) {
      expect({ name, status: captureError(() => entryListSql(actors[name], 'e.created_by_user_id'))?.status }).toEqual({ name, status: 404 });
    }
  });

  it("audit rows: a manager reads their teams' rows, admins all, everyone else 404", async () => {
    const at = Date.now();
    const rows: Record<string, Partial<AuditLog>> = {
      byRepA: { actorUserId: 'rep-a', leadOwnerUserId: 'rep-a' },
      byRepC: { actorUserId: 'rep-c', leadOwnerUserId: 'rep-c' },
      // Someone outside T1 looking at a T1 lead: T1's manager must see it.
      ofTeam1Lead: { actorUserId: 'boss', leadOwnerUserId: 'rep-b' },
      byManager1: { actorUserId: 'manager-1', leadOwnerUserId: 'outsider' },
      unrelated: { actorUserId: 'admin', leadOwnerUserId: 'outsider' },
    };
    const ids = new Map<number, string>();
    for (const [key, row] of Object.entries(rows)) {
      const inserted = await ds.getRepository(AuditLog).insert({ action: 'phone.reveal', leadId: 1, purpose: '回访', detail: null, at, ...row });
      ids.set(inserted.identifiers[0].id, key);
    }
    const WANT: Record<string, string[] | 404> = {
      manager1: ['byRepA', 'ofTeam1Lead', 'byManager1'],
      manager2: ['byRepC'],
      sellerManager: ['byRepC'],
      adminMember: Object.keys(rows),
      adminToken: Object.keys(rows),
    };
    for (const [name, actor] of Object.entries(actors)) {
      const want = WANT[name] ?? 404;
      let got: string[] | 404;
      try {
        const scope = await auditScopeOf(ds.manager, actor);
        const where = auditListSql(scope, 'a');
        const found = await ds.getRepository(AuditLog).createQueryBuilder('a').where(where.sql, where.params).getMany();
        got = found.map((r) => ids.get(r.id)!).sort();
        for (const row of found) expect(canSeeAuditRow(scope, row)).toBe(true);
      } catch (error) {
        if (!(error instanceof HttpError) || error.status !== 404) throw error;
        got = 404;
      }
      // sellerManager manages T2 (rep-c) and is a member of none of its rows otherwise.
      expect({ name, got }).toEqual({ name, got: want === 404 ? 404 : [...want].sort() });
    }
  });

  it("stats: a manager's teams' members, the whole corp for admins, 404 for everyone else", async () => {
    expect(await statsScopeOf(ds.manager, actors.manager1)).toEqual({ all: false, owners: ['rep-a', 'rep-b', 'seller-manager'] });
    expect(await statsScopeOf(ds.manager, actors.sellerManager)).toEqual({ all: false, owners: ['rep-c'] });
    expect(await statsScopeOf(ds.manager, actors.adminMember)).toEqual({ all: true });
    expect(await statsScopeOf(ds.manager, actors.adminToken)).toEqual({ all: true });
    for (const name of ['repA', 'loneRep', 'clerk']) {
      await expect(statsScopeOf(ds.manager, actors[name])).rejects.toMatchObject({ status: 404, code: 'not_found' });
    }
    // A manager of no team has no one to report on.
    expect(await statsScopeOf(ds.manager, member('manager-0', ['manager']))).toEqual({ all: false, owners: [] });
  });
});

function captureError(run: () => unknown): HttpError | null {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
}

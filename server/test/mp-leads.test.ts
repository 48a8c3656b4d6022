import type { DataSource } from 'typeorm';
import { AuditLog } from '../src/audit/audit-log.entity';
import { FollowUp } from '../src/leads/follow-up.entity';
import { Lead } from '../src/leads/lead.entity';
import { LeadAssignment } from '../src/leads/lead-assignment.entity';
import { LeadRelation } from '../src/leads/lead-relation.entity';
import { LeadTag } from '../src/leads/lead-tag.entity';
import { putInPool } from '../src/leads/pool/put-in-pool';
import { STAGE_LABELS } from '../src/leads/stages/transitions';
import { TimelineEntry } from '../src/leads/timeline-entry.entity';
import type { MemberRole } from '../src/members/member-actor';
import { addDays, cstDate } from '../src/util/china-time';
import { HOUR_MS } from '../src/util/time';
import { Harness, queuesSettled, startHarness } from './support/harness';
import { mpCall } from './support/mp-client';
import { makeChannel, makeLead, makeMember, makeTeam, signIn } from './support/factories';

/**
 * The mini-program's lead routes over real HTTP, for every role: reps of two teams, the manager
 * of each, a store clerk and an admin member. Every lead route with every lead an actor may not
 * see (guessed ids across reps, teams and roles) answers exactly what an id nobody has answers,
 * and changes nothing.
 */
describe('/api/mp leads, for every role', () => {
  let h: Harness;
  let ds: DataSource;
  const tokens: Record<string, string> = {};
  let t1: number;
  let t2: number;
  let channel: { id: number; name: string };
  const L: Record<string, Lead> = {};
  const now = Date.now();

  const ACTORS = ['rep-a', 'rep-b', 'rep-c', 'mgr-1', 'mgr-2', 'clerk', 'boss'] as const;
  type Actor = (typeof ACTORS)[number];

  const call = (who: Actor | string, method: string, path: string, body?: unknown) => mpCall(h, tokens[who], method, path, body);

  /** A lead in a team's pool the way the service puts one there (with its history row). */
  async function poolLead(teamId: number | null, fields: Partial<Lead> = {}) {
    const lead = await makeLead(ds, { ...fields, ownerUserId: null });
    await ds.transaction((m) => putInPool(m, { lead, teamId, reason: '测试进入公海', dedupKey: `test-pool:${lead.id}` }));
    return ds.getRepository(Lead).findOneByOrFail({ id: lead.id });
  }

  beforeAll(async () => {
    h = await startHarness();
    ds = h.runtime.ctx.dataSource;
    const members: Array<[Actor, MemberRole[]]> = [
      ['rep-a', ['rep']],
      ['rep-b', ['rep']],
      ['rep-c', ['rep']],
      ['mgr-1', ['manager']],
      ['mgr-2', ['manager']],
      ['boss', ['admin']],
    ];
    for (const [userId] of members) h.sim.state.addMember(userId);
    t1 = (await makeTeam(h, { name: '华东组', members: ['rep-a', 'rep-b'] })).id;
    t2 = (await makeTeam(h, { name: '华南组', members: ['rep-c'] })).id;
    const store = await h.admin('POST', '/api/admin/stores', { name: '静安店' });
    expect(store.status).toBe(201);
    for (const [userId, roles] of members) {
      await makeMember(h, userId, { roles, name: userId === 'rep-a' ? '张三' : userId, managedTeamIds: userId === 'mgr-1' ? [t1] : userId === 'mgr-2' ? [t2] : [] });
    }
    await makeMember(h, 'clerk', { roles: ['store_staff'], storeId: store.body.id });
    for (const who of ACTORS) tokens[who] = (await signIn(h, who)).accessToken;
    channel = await makeChannel(h, { name: '上海展会', userIds: ['rep-a'] });

    L.ownA = await makeLead(ds, {
      ownerUserId: 'rep-a',
      teamId: t1,
      name: '王先生',
      phone: '13800138001',
      grade: 'A',
      score: 80,
      channelId: channel.id,
      corpName: '静安教育',
      gender: 1,
      scoreBreakdown: [
        { rule: 'attr.industry.education', points: 50, reason: '行业：教育' },
        { rule: 'behaviour.channel', points: 30, reason: '扫码添加' },
      ],
      nextStepAt: now + 2 * HOUR_MS,
      firstResponseAt: now + 30 * 60_000,
      createdAt: now,
    });
    L.ownA2 = await makeLead(ds, { ownerUserId: 'rep-a', teamId: t1, grade: 'B', score: 40, stage: 'contacted', nextStepAt: now + HOUR_MS });
    L.ownA3 = await makeLead(ds, { ownerUserId: 'rep-a', teamId: t1, grade: 'C', score: 10 });
    L.ownB = await makeLead(ds, { ownerUserId: 'rep-b', teamId: t1, grade: 'B', score: 50, phone: '13900139002' });
    L.ownC = await makeLead(ds, { ownerUserId: 'rep-c', teamId: t2, grade: 'A', score: 60, phone: '13700137003' });
    L.pool1 = await poolLead(t1, { score: 30 });
    L.pool2 = await poolLead(t2, { score: 20 });
    L.poolShared = await poolLead(null, { score: 5 });
    L.waiting = await makeLead(ds, { ownerUserId: null });
    await ds.getRepository(LeadTag).insert({ leadId: L.ownA.id, name: '高意向', tagId: null, source: 'test', createdAt: now });
    await ds.getRepository(TimelineEntry).insert([
      { leadId: L.ownA.id, kind: 'lead.created', summary: '新线索：添加了成员 rep-a', data: null, dedupKey: null, occurredAt: now - 2000 },
      { leadId: L.ownA.id, kind: 'stage.changed', summary: '阶段：新线索 → 已联系', data: null, dedupKey: null, occurredAt: now - 1000 },
    ]);
  });
  afterAll(async () => h?.close());

  /** Who sees which lead (issue 10's rules); everything else is 404. */
  const SEES: Record<Actor, string[]> = {
    'rep-a': ['ownA', 'ownA2', 'ownA3', 'pool1', 'poolShared'],
    'rep-b': ['ownB', 'pool1', 'poolShared'],
    'rep-c': ['ownC', 'pool2', 'poolShared'],
    'mgr-1': ['ownA', 'ownA2', 'ownA3', 'ownB', 'pool1', 'poolShared'],
    'mgr-2': ['ownC', 'pool2', 'poolShared'],
    clerk: [],
    boss: ['ownA', 'ownA2', 'ownA3', 'ownB', 'ownC', 'pool1', 'pool2', 'poolShared', 'waiting'],
  };
  const keyOf = (id: number) => Object.keys(L).find((k) => L[k].id === id) ?? `#${id}`;

  const CARD_KEYS = ['avatar', 'channel', 'grade', 'id', 'inPool', 'lastInteractionAt', 'name', 'nextStepAt', 'ownerUserId', 'phone', 'score', 'stage', 'stageLabel', 'tags'];

  describe('lists', () => {
    const LISTS: Record<Actor, Record<'mine' | 'pool' | 'team', string[] | 404>> = {
      'rep-a': { mine: ['ownA', 'ownA2', 'ownA3'], pool: ['pool1', 'poolShared'], team: 404 },
      'rep-b': { mine: ['ownB'], pool: ['pool1', 'poolShared'], team: 404 },
      'rep-c': { mine: ['ownC'], pool: ['pool2', 'poolShared'], team: 404 },
      'mgr-1': { mine: [], pool: ['pool1', 'poolShared'], team: ['ownA', 'ownB', 'ownA2', 'ownA3'] },
      'mgr-2': { mine: [], pool: ['pool2', 'poolShared'], team: ['ownC'] },
      clerk: { mine: 404, pool: 404, team: 404 },
      boss: { mine: 404, pool: ['pool1', 'pool2', 'poolShared'], team: ['ownA', 'ownC', 'ownB', 'ownA2', 'ownA3'] },
    };

    it('mine / pool / team for every role, hottest first; lists a role has no business with are 404', async () => {
      for (const who of ACTORS) {
        for (const scope of ['mine', 'pool', 'team'] as const) {
          const r = await call(who, 'GET', `/leads?scope=${scope}`);
          const want = LISTS[who][scope];
          if (want === 404) {
            expect({ who, scope, status: r.status, error: r.body.error }).toEqual({ who, scope, status: 404, error: 'not_found' });
          } else {
            expect({ who, scope, status: r.status, items: r.body.items.map((c: any) => keyOf(c.id)), nextCursor: r.body.nextCursor }).toEqual({ who, scope, status: 200, items: want, nextCursor: null });
          }
        }
      }
      // No scope: mine.
      expect((await call('rep-b', 'GET', '/leads')).body.items.map((c: any) => c.id)).toEqual([L.ownB.id]);
    });

    it('a card is exactly the contract: masked phone, Chinese stage label, channel, tags', async () => {
      const r = await call('rep-a', 'GET', '/leads?scope=mine&limit=1');
      const card = r.body.items[0];
      expect(Object.keys(card).sort()).toEqual(CARD_KEYS);
      expect(card).toEqual({
        id: L.ownA.id,
        name: '王先生',
        avatar: null,
        phone: '138****8001',
        grade: 'A',
        score: 80,
        stage: 'new',
        stageLabel: '新线索',
        channel: { id: channel.id, name: '上海展会' },
        tags: ['高意向'],
        ownerUserId: 'rep-a',
        inPool: false,
        nextStepAt: new Date(now + 2 * HOUR_MS).toISOString(),
        lastInteractionAt: expect.stringMatching(/Z$/),
      });
      const pool = (await call('rep-a', 'GET', '/leads?scope=pool')).body.items[0];
      expect(pool).toMatchObject({ id: L.pool1.id, inPool: true, ownerUserId: null, channel: null });
    });

    it('filters: grade, stage, channel, tag, search; unknown or malformed ones are 400', async () => {
      const ids = async (query: string) => (await call('mgr-1', 'GET', `/leads?scope=team&${query}`)).body.items.map((c: any) => keyOf(c.id));
      expect(await ids('grade=B')).toEqual(['ownB', 'ownA2']);
      expect(await ids('stage=contacted')).toEqual(['ownA2']);
      expect(await ids(`channelId=${channel.id}`)).toEqual(['ownA']);
      expect(await ids(`tag=${encodeURIComponent('高意向')}`)).toEqual(['ownA']);
      expect(await ids(`q=${encodeURIComponent('王')}`)).toEqual(['ownA']);
      for (const bad of ['grade=D', 'stage=done', 'channelId=x', 'sort=newest', 'limit=51', 'limit=0', 'owner=rep-b', 'scope=all', 'cursor=bogus']) {
        const r = await call('mgr-1', 'GET', `/leads?scope=team&${bad}`);
        expect({ bad, status: r.status }).toEqual({ bad, status: 400 });
      }
    });

    it('pages with a cursor in either order: score, and next step (planned steps first, soonest first)', async () => {
      const walk = async (sort: string) => {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const r: { status: number; body: any } = await call('rep-a', 'GET', `/leads?scope=mine&sort=${sort}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
          expect(r.status).toBe(200);
          seen.push(...r.body.items.map((c: any) => keyOf(c.id)));
          cursor = r.body.nextCursor;
        } while (cursor);
        return seen;
      };
      expect(await walk('score')).toEqual(['ownA', 'ownA2', 'ownA3']);
      expect(await walk('next_step')).toEqual(['ownA2', 'ownA', 'ownA3']);
      // A cursor of one order is refused by the other.
      const first = await call('rep-a', 'GET', '/leads?scope=mine&sort=score&limit=1');
      expect((await call('rep-a', 'GET', `/leads?scope=mine&sort=next_step&cursor=${first.body.nextCursor}`)).status).toBe(400);
    });
  });

  describe('detail', () => {
    it('a lead is exactly the contract: card, profile, breakdown in Chinese, whole timeline, follow-ups, actions', async () => {
      const r = await call('rep-a', 'GET', `/leads/${L.ownA.id}`);
      expect(r.status).toBe(200);
      expect(Object.keys(r.body).sort()).toEqual([...CARD_KEYS, 'actions', 'corpName', 'followUps', 'gender', 'scoreBreakdown', 'timeline'].sort());
      expect(r.body).toMatchObject({
        corpName: '静安教育',
        gender: 1,
        scoreBreakdown: [
          { label: '行业：教育', points: 50 },
          { label: '扫码添加', points: 30 },
        ],
        followUps: [],
        actions: { canReveal: true, canEditTags: true, canFollowUp: true, canChangeStage: true, canClaim: false, canReturn: true },
      });
      expect(r.body.timeline.map((e: any) => [e.kind, e.summary])).toEqual([
        ['stage.changed', '阶段：新线索 → 已联系'],
        ['lead.created', '新线索：添加了成员 rep-a'],
      ]);
      expect(Object.keys(r.body.timeline[0]).sort()).toEqual(['id', 'kind', 'occurredAt', 'summary']);
    });

    it('actions follow the role: the manager answers for the lead, a pool lead is only claimable', async () => {
      const actions = async (who: Actor, key: string) => (await call(who, 'GET', `/leads/${L[key].id}`)).body.actions;
      expect(await actions('mgr-1', 'ownB')).toEqual({ canReveal: true, canEditTags: true, canFollowUp: false, canChangeStage: true, canClaim: false, canReturn: false });
      expect(await actions('rep-b', 'pool1')).toEqual({ canReveal: false, canEditTags: false, canFollowUp: false, canChangeStage: false, canClaim: true, canReturn: false });
      expect(await actions('mgr-1', 'pool1')).toEqual({ canReveal: false, canEditTags: false, canFollowUp: false, canChangeStage: false, canClaim: false, canReturn: false });
      expect(await actions('boss', 'waiting')).toEqual({ canReveal: true, canEditTags: true, canFollowUp: false, canChangeStage: true, canClaim: false, canReturn: false });
    });
  });

  /** Every lead route, with a body that would pass validation. */
  const ROUTES: Array<{ method: string; path: (id: number) => string; body?: unknown }> = [
    { method: 'GET', path: (id) => `/leads/${id}` },
    { method: 'GET', path: (id) => `/leads/${id}/follow-ups` },
    { method: 'POST', path: (id) => `/leads/${id}/follow-ups`, body: { kind: 'call', content: '试探' } },
    { method: 'POST', path: (id) => `/leads/${id}/stage`, body: { stage: 'contacted' } },
    { method: 'POST', path: (id) => `/leads/${id}/phone/reveal`, body: { purpose: '随便看看' } },
    { method: 'PUT', path: (id) => `/leads/${id}/tags`, body: { tags: [] } },
    { method: 'POST', path: (id) => `/leads/${id}/claim` },
    { method: 'POST', path: (id) => `/leads/${id}/return`, body: { reason: '试探' } },
  ];

  it('guessed ids: every lead route × every role × every lead out of sight answers what a missing id answers, and changes nothing', async () => {
    await queuesSettled(h);
    const before = await ds.getRepository(Lead).find({ order: { id: 'ASC' } });
    const [followUps, audits, entries] = await Promise.all([ds.getRepository(FollowUp).count(), ds.getRepository(AuditLog).count(), ds.getRepository(TimelineEntry).count()]);
    let checked = 0;
    for (const who of ACTORS) {
      for (const route of ROUTES) {
        const missing = await call(who, route.method, route.path(99_999_999), route.body);
        expect({ who, route: route.method + route.path(0), status: missing.status }).toEqual({ who, route: route.method + route.path(0), status: 404 });
        for (const key of Object.keys(L).filter((k) => !SEES[who].includes(k))) {
          const r = await call(who, route.method, route.path(L[key].id), route.body);
          expect({ who, key, route: route.method + route.path(0), status: r.status, body: r.body }).toEqual({ who, key, route: route.method + route.path(0), status: 404, body: missing.body });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(200);
    await queuesSettled(h);
    expect(await ds.getRepository(Lead).find({ order: { id: 'ASC' } })).toEqual(before);
    expect([await ds.getRepository(FollowUp).count(), await ds.getRepository(AuditLog).count(), await ds.getRepository(TimelineEntry).count()]).toEqual([followUps, audits, entries]);
  });

  it('a lead in sight that the actor may not work is 403 with a Chinese reason, and changes nothing', async () => {
    const audits = await ds.getRepository(AuditLog).count();
    for (const [who, route, key] of [
      ['rep-a', ROUTES[4], 'pool1'], // a pool lead's number is for whoever claims it
      ['rep-a', ROUTES[2], 'pool1'],
      ['mgr-1', ROUTES[2], 'ownA'], // follow-ups are the owner's
      ['mgr-1', ROUTES[6], 'pool1'], // managers do not claim
      ['mgr-1', ROUTES[7], 'ownA'],
      ['boss', ROUTES[2], 'ownC'],
    ] as const) {
      const r = await call(who, route.method, route.path(L[key].id), route.body);
      expect({ who, key, route: route.method + route.path(0), status: r.status, error: r.body.error }).toEqual({ who, key, route: route.method + route.path(0), status: 403, error: 'forbidden' });
      expect(r.body.message).toMatch(/^[\u4e00-\u9fff]/);
    }
    expect(await ds.getRepository(AuditLog).count()).toBe(audits);
  });

  describe('reveal and audit', () => {
    it('the owner, the manager and an admin reveal with a purpose; each reveal is one audit row written with it', async () => {
      const reveal = (who: Actor, key: string, purpose = '电话回访') => call(who, 'POST', `/leads/${L[key].id}/phone/reveal`, { purpose });
      const mine = await reveal('rep-a', 'ownA');
      expect(mine.status).toBe(200);
      expect(mine.body).toMatchObject({ phone: '13800138001', name: '王先生' });
      expect((await reveal('mgr-1', 'ownB', '核实客户信息')).body.phone).toBe('13900139002');
      expect((await reveal('boss', 'ownC', '抽查')).body.phone).toBe('13700137003');
      expect((await reveal('rep-c', 'ownC')).body.phone).toBe('13700137003');
      const bad = await reveal('rep-a', 'ownA', 'x');
      expect(bad.status).toBe(400);
      const rows = await ds.getRepository(AuditLog).find({ where: { action: 'phone.reveal' }, order: { id: 'ASC' } });
      expect(rows.map((r) => [r.action, r.actorUserId, keyOf(r.leadId!), r.leadOwnerUserId, r.purpose])).toEqual([
        ['phone.reveal', 'rep-a', 'ownA', 'rep-a', '电话回访'],
        ['phone.reveal', 'mgr-1', 'ownB', 'rep-b', '核实客户信息'],
        ['phone.reveal', 'boss', 'ownC', 'rep-c', '抽查'],
        ['phone.reveal', 'rep-c', 'ownC', 'rep-c', '电话回访'],
      ]);
      // And on the lead's timeline, in Chinese.
      const entries = await ds.getRepository(TimelineEntry).findBy({ leadId: L.ownB.id, kind: 'phone.revealed' });
      expect(entries.map((e) => e.summary)).toEqual(['成员 mgr-1查看了完整手机号及资料（用途：核实客户信息）']);
    });

    it("managers read their teams' audit rows, admins all; reps and clerks get 404", async () => {
      // The reveals: admins also read the admin token's rule changes made in beforeAll (channel.create, …).
      const audit = async (who: Actor, query = '') => call(who, 'GET', `/audit?action=phone.reveal${query.replace('?', '&')}`);
      const view = (r: { body: any }) => r.body.items.map((i: any) => `${i.actorUserId}:${keyOf(i.leadId)}`);
      expect(view(await audit('mgr-1'))).toEqual(['mgr-1:ownB', 'rep-a:ownA']);
      expect(view(await audit('mgr-2'))).toEqual(['rep-c:ownC', 'boss:ownC']);
      expect(view(await audit('boss'))).toHaveLength(4);
      for (const who of ['rep-a', 'rep-c', 'clerk'] as const) expect({ who, status: (await audit(who)).status }).toEqual({ who, status: 404 });
      const item = (await audit('mgr-1')).body.items[0];
      expect(Object.keys(item).sort()).toEqual(['action', 'actorUserId', 'at', 'id', 'leadId', 'purpose']);
      expect(item).toMatchObject({ action: 'phone.reveal', actorUserId: 'mgr-1', purpose: '核实客户信息' });
      // Days are Shanghai days; pages by cursor.
      const today = cstDate(Date.now());
      expect(view(await audit('mgr-1', `?from=${today}&to=${today}`))).toHaveLength(2);
      expect(view(await audit('mgr-1', `?from=${addDays(today, 1)}`))).toEqual([]);
      expect((await audit('mgr-1', `?from=${today}&to=${addDays(today, -1)}`)).status).toBe(400);
      const page = await audit('boss', '?limit=3');
      const rest = await audit('boss', `?limit=3&cursor=${page.body.nextCursor}`);
      expect([...view(page), ...view(rest)]).toEqual(view(await audit('boss')));
      expect(rest.body.nextCursor).toBeNull();

      const admin = await h.admin('GET', '/api/admin/audit?action=phone.reveal');
      expect(admin.status).toBe(200);
      expect(admin.body.items).toHaveLength(4);
      expect((await h.admin('GET', '/api/admin/audit?actorUserId=boss')).body.items.map((i: any) => keyOf(i.leadId))).toEqual(['ownC']);
      expect((await h.admin('GET', `/api/admin/audit?leadId=${L.ownC.id}`)).body.items).toHaveLength(2);
      expect((await h.admin('GET', '/api/admin/audit?action=bogus')).status).toBe(400);
    });

    it("the admin token's reveals and searches by full phone number are audit rows too", async () => {
      expect((await h.admin('POST', `/api/admin/leads/${L.ownB.id}/phone/reveal`, { purpose: '质检抽查' })).status).toBe(200);
      const search = await h.admin('GET', '/api/admin/leads?phone=13900139002');
      expect(search.body.items.map((i: any) => i.id)).toEqual([L.ownB.id]);
      const rows = (await h.admin('GET', '/api/admin/audit?actorUserId=admin&action=phone.reveal')).body.items;
      expect(rows.map((r: any) => [r.action, keyOf(r.leadId), r.purpose])).toEqual([
        ['phone.reveal', 'ownB', '按完整手机号搜索'],
        ['phone.reveal', 'ownB', '质检抽查'],
      ]);
      // A T1 lead: T1's manager sees who looked at it.
      const seen = (await call('mgr-1', 'GET', '/audit')).body.items.map((i: any) => `${i.actorUserId}:${keyOf(i.leadId)}`);
      expect(seen).toEqual(['admin:ownB', 'admin:ownB', 'mgr-1:ownB', 'rep-a:ownA']);
    });
  });

  describe('tags', () => {
    let customer: string;
    let ids: Record<string, string>;

    beforeAll(async () => {
      const group = h.sim.state.addCorpTags({ groupName: '客户意向' }, [{ name: '高意向' }, { name: '已到店' }, { name: '价格敏感' }]);
      ids = Object.fromEntries(group.tag.map((t) => [t.name, t.id]));
      customer = h.sim.state.addExternalContact({ name: '标签客户' }).external_userid;
      const relation = h.sim.state.addFollow('rep-a', customer);
      h.sim.state.markTags(relation, [ids['价格敏感']], []);
      L.wecom = await makeLead(ds, { ownerUserId: 'rep-a', teamId: t1, externalUserId: customer, name: '标签客户', score: 1 });
      await ds.getRepository(LeadRelation).insert({ leadId: L.wecom.id, userId: 'rep-a', status: 'active', state: null, channelId: null, addWay: 1, remark: null, lostReason: null, addedAt: now, lostAt: null });
      await ds.getRepository(LeadTag).insert([
        { leadId: L.wecom.id, name: 'VIP客户', tagId: null, source: 'rule', createdAt: now },
        { leadId: L.wecom.id, name: '价格敏感', tagId: ids['价格敏感'], source: 'wecom', createdAt: now },
      ]);
    });

    it('GET /tags lists the corp tags to pick from, by group; GET /stages the stages with Chinese labels', async () => {
      const tags = await call('rep-a', 'GET', '/tags');
      expect(tags.status).toBe(200);
      expect(tags.body).toEqual(expect.arrayContaining([{ name: '高意向', group: '客户意向' }, { name: '价格敏感', group: '客户意向' }]));
      const stages = await call('clerk', 'GET', '/stages');
      expect(stages.body).toEqual(Object.entries(STAGE_LABELS).map(([stage, label]) => ({ stage, label })));
    });

    it("PUT sets the lead's corp tags, and a job adds and removes them in WeCom through mark_tag", async () => {
      const r = await call('rep-a', 'PUT', `/leads/${L.wecom.id}/tags`, { tags: ['高意向', '已到店'] });
      expect(r.status).toBe(200);
      // The tag Xiansuo set without a WeCom id stays; the corp tags are exactly the ones asked for.
      expect(r.body).toEqual({ tags: ['VIP客户', '高意向', '已到店'] });
      await queuesSettled(h);
      const marks = h.sim.callsTo('externalcontact/mark_tag').filter((c) => (c.body as any).external_userid === customer);
      expect(marks).toHaveLength(1);
      expect(marks[0]).toMatchObject({ errcode: 0, body: { userid: 'rep-a', add_tag: [ids['高意向'], ids['已到店']], remove_tag: [ids['价格敏感']] } });
      const inWecom = h.sim.state.follow('rep-a', customer)!.tags.map((t) => t.tag_name).sort();
      expect(inWecom).toEqual(['已到店', '高意向'].sort());
      const entry = await ds.getRepository(TimelineEntry).findOneByOrFail({ leadId: L.wecom.id, kind: 'tags.edited' });
      expect(entry.summary).toBe('成员 rep-a修改了标签：添加「高意向」、「已到店」；移除「价格敏感」');
      // The same tags again: nothing changes, nothing goes to WeCom.
      expect((await call('rep-a', 'PUT', `/leads/${L.wecom.id}/tags`, { tags: ['已到店', '高意向'] })).body.tags).toEqual(['VIP客户', '高意向', '已到店']);
      await queuesSettled(h);
      expect(h.sim.callsTo('externalcontact/mark_tag').filter((c) => (c.body as any).external_userid === customer)).toHaveLength(1);
    });

    it('a lead that is no WeCom contact gets its tags without a WeCom call; the manager may edit too', async () => {
      const calls = h.sim.callsTo('externalcontact/mark_tag').length;
      const r = await call('mgr-1', 'PUT', `/leads/${L.ownA3.id}/tags`, { tags: ['价格敏感'] });
      expect(r).toEqual({ status: 200, body: { tags: ['价格敏感'] } });
      await queuesSettled(h);
      expect(h.sim.callsTo('externalcontact/mark_tag')).toHaveLength(calls);
    });

    it('an unknown tag is 400 with a Chinese message; a pool lead is 403; bad bodies are 400', async () => {
      const unknown = await call('rep-a', 'PUT', `/leads/${L.ownA2.id}/tags`, { tags: ['没有这个标签'] });
      expect(unknown.status).toBe(400);
      expect(unknown.body.message).toBe('企业微信中没有这些标签：「没有这个标签」');
      expect((await call('rep-a', 'PUT', `/leads/${L.pool1.id}/tags`, { tags: ['高意向'] })).status).toBe(403);
      for (const body of [{}, { tags: '高意向' }, { tags: [''] }, { tags: ['高意向'], extra: 1 }]) {
        expect((await call('rep-a', 'PUT', `/leads/${L.ownA2.id}/tags`, body)).status).toBe(400);
      }
      expect(await ds.getRepository(LeadTag).countBy({ leadId: L.ownA2.id })).toBe(0);
    });
  });

  describe('follow-ups and stage', () => {
    it('the owner logs a follow-up with a next step: the card and the sort follow it', async () => {
      const nextStepAt = new Date(Date.now() + 30 * 60_000).toISOString();
      const r = await call('rep-a', 'POST', `/leads/${L.ownA3.id}/follow-ups`, { kind: 'call', outcome: 'interested', content: '约了周五', nextStepAt, nextStepNote: '上门' });
      expect(r.status).toBe(201);
      expect(r.body.lead).toEqual({ id: L.ownA3.id, stage: 'contacted' });
      expect(r.body.followUp).toMatchObject({ leadId: L.ownA3.id, userId: 'rep-a', kind: 'call', outcome: 'interested', nextStepAt, reminderStatus: 'pending' });
      const first = (await call('rep-a', 'GET', '/leads?scope=mine&sort=next_step&limit=1')).body.items[0];
      expect(first).toMatchObject({ id: L.ownA3.id, nextStepAt, stage: 'contacted', stageLabel: '已联系' });
      const listed = await call('mgr-1', 'GET', `/leads/${L.ownA3.id}/follow-ups`);
      expect(listed.body.items.map((f: any) => f.id)).toEqual([r.body.followUp.id]);
      expect((await call('rep-a', 'GET', `/leads/${L.ownA3.id}`)).body.followUps).toHaveLength(1);
    });

    it('stage: the contract shape; a manager may move a team lead; a refused transition is 409 in Chinese; winning clears the next step', async () => {
      const moved = await call('mgr-1', 'POST', `/leads/${L.ownA3.id}/stage`, { stage: 'qualified', reason: '预算确认' });
      expect(moved.status).toBe(200);
      expect(moved.body.lead).toMatchObject({ id: L.ownA3.id, stage: 'qualified', stageLabel: '已确认意向' });
      const refused = await call('rep-a', 'POST', `/leads/${L.ownA3.id}/stage`, { stage: 'new' });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ error: 'invalid_transition', message: '不能从「已确认意向」变更为「新线索」' });
      await call('rep-a', 'POST', `/leads/${L.ownA3.id}/stage`, { stage: 'opportunity' });
      expect((await call('rep-a', 'POST', `/leads/${L.ownA3.id}/stage`, { stage: 'won' })).status).toBe(200);
      const card = (await call('rep-a', 'GET', `/leads/${L.ownA3.id}`)).body;
      expect(card).toMatchObject({ stage: 'won', nextStepAt: null, actions: { canChangeStage: false, canReturn: false } });
    });
  });

  describe('claim and return', () => {
    it("claim answers the card; a teammate then gets 409 already claimed; another team's rep 404", async () => {
      const claimed = await call('rep-a', 'POST', `/leads/${L.pool1.id}/claim`);
      expect(claimed.status).toBe(200);
      expect(Object.keys(claimed.body)).toEqual(['lead']);
      expect(claimed.body.lead).toMatchObject({ id: L.pool1.id, ownerUserId: 'rep-a', inPool: false });
      expect(Object.keys(claimed.body.lead).sort()).toEqual(CARD_KEYS);
      const late = await call('rep-b', 'POST', `/leads/${L.pool1.id}/claim`);
      expect(late.status).toBe(409);
      expect(late.body).toMatchObject({ error: 'already_claimed', message: '该线索已被其他同事认领' });
      // Never in rep-c's pool: nothing to tell them.
      const stranger = await call('rep-c', 'POST', `/leads/${L.pool1.id}/claim`);
      expect(stranger).toEqual({ status: 404, body: (await call('rep-c', 'POST', '/leads/99999999/claim')).body });
      // The winner again: the same answer.
      expect((await call('rep-a', 'POST', `/leads/${L.pool1.id}/claim`)).status).toBe(200);
      expect((await ds.getRepository(LeadAssignment).findBy({ leadId: L.pool1.id, kind: 'claimed' })).map((a) => a.toUserId)).toEqual(['rep-a']);
    });

    it('return answers the card; only its owner may; a reason is required', async () => {
      expect((await call('rep-a', 'POST', `/leads/${L.ownA2.id}/return`, {})).status).toBe(400);
      const returned = await call('rep-a', 'POST', `/leads/${L.ownA2.id}/return`, { reason: '客户在外地' });
      expect(returned.status).toBe(200);
      expect(returned.body.lead).toMatchObject({ id: L.ownA2.id, ownerUserId: null });
      expect(Object.keys(returned.body.lead).sort()).toEqual(CARD_KEYS);
    });
  });

  describe('chat toolbar', () => {
    it("the rep's own WeCom customer who is no lead yet becomes one, owned by the rep; later opens find the same lead", async () => {
      const customer = h.sim.state.addExternalContact({ name: '老客户张姐', gender: 2 }).external_userid;
      h.sim.state.addFollow('rep-a', customer, { remark: '张姐' });
      // Not rep-c's customer: 404, and no lead is made.
      expect((await call('rep-c', 'GET', `/contacts/${customer}/lead`)).status).toBe(404);
      expect(await ds.getRepository(Lead).countBy({ externalUserId: customer })).toBe(0);
      const r = await call('rep-a', 'GET', `/contacts/${customer}/lead`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ name: '老客户张姐', gender: 2, ownerUserId: 'rep-a', inPool: false, actions: { canFollowUp: true, canClaim: false } });
      expect(r.body.timeline.map((e: any) => e.kind)).toContain('lead.created');
      const lead = await ds.getRepository(Lead).findOneByOrFail({ externalUserId: customer });
      expect(lead.id).toBe(r.body.id);
      expect(await ds.getRepository(LeadRelation).findOneBy({ leadId: lead.id, userId: 'rep-a' })).toMatchObject({ remark: '张姐', status: 'active' });
      expect((await call('rep-a', 'GET', `/contacts/${customer}/lead`)).body.id).toBe(lead.id);
      expect(await ds.getRepository(Lead).countBy({ externalUserId: customer })).toBe(1);
      // Their manager sees it too; a teammate does not; a clerk never.
      expect((await call('mgr-1', 'GET', `/contacts/${customer}/lead`)).body).toMatchObject({ id: lead.id, actions: { canFollowUp: false } });
      for (const who of ['rep-b', 'mgr-2', 'clerk'] as const) expect({ who, status: (await call(who, 'GET', `/contacts/${customer}/lead`)).status }).toEqual({ who, status: 404 });
    });

    it("someone else's customer, an id WeCom does not know, or a malformed id: 404 / 400, and no lead", async () => {
      const theirs = h.sim.state.addExternalContact({ name: '别人的客户' }).external_userid;
      h.sim.state.addFollow('rep-c', theirs);
      const missing = await call('rep-a', 'GET', '/contacts/wmNoSuchCustomer000/lead');
      expect(missing.status).toBe(404);
      expect(await call('rep-a', 'GET', `/contacts/${theirs}/lead`)).toEqual(missing);
      expect(await ds.getRepository(Lead).countBy({ externalUserId: theirs })).toBe(0);
      expect((await call('rep-a', 'GET', `/contacts/${'x'.repeat(129)}/lead`)).status).toBe(400);
      expect((await call('rep-a', 'GET', '/contacts/a%20b/lead')).status).toBe(400);
    });
  });

  describe('stats', () => {
    it("a manager's page: funnel, channels and response times over their team; admins the corp; others 404", async () => {
      const today = cstDate(Date.now());
      const r = await call('mgr-1', 'GET', `/stats?from=${today}&to=${today}`);
      expect(r.status).toBe(200);
      // T1's leads created today: everything rep-a and rep-b own now.
      const owned = await ds.getRepository(Lead).find({ where: [{ ownerUserId: 'rep-a' }, { ownerUserId: 'rep-b' }] });
      const live = owned.filter((l) => !l.mergedIntoId);
      expect(r.body.funnel[0]).toEqual({ stage: 'new', label: '新线索', count: live.length });
      expect(r.body.funnel.map((f: any) => f.stage)).toEqual(['new', 'contacted', 'qualified', 'opportunity', 'won']);
      expect(r.body.funnel.at(-1)).toMatchObject({ stage: 'won', label: '已成交', count: 1 });
      expect(r.body.channels).toEqual(
        expect.arrayContaining([
          { id: channel.id, name: '上海展会', leads: 1, won: 0, conversionRate: 0 },
          expect.objectContaining({ id: null, name: '自然流量' }),
        ]),
      );
      const rows = Object.fromEntries(r.body.responseTimes.map((t: any) => [t.userId, t]));
      expect(Object.keys(rows).sort()).toEqual(['rep-a', 'rep-b']);
      expect(rows['rep-a']).toEqual({ userId: 'rep-a', name: '张三', medianMinutes: expect.any(Number), leads: live.filter((l) => l.ownerUserId === 'rep-a').length, chatMedianMinutes: null, chatReplies: 0 });
      expect(rows['rep-b']).toEqual({ userId: 'rep-b', name: 'rep-b', medianMinutes: null, leads: 1, chatMedianMinutes: null, chatReplies: 0 });
      expect((await call('boss', 'GET', `/stats?from=${today}&to=${today}`)).status).toBe(200);
      for (const who of ['rep-a', 'clerk'] as const) expect({ who, status: (await call(who, 'GET', `/stats?from=${today}&to=${today}`)).status }).toEqual({ who, status: 404 });
      expect((await call('mgr-1', 'GET', '/stats')).status).toBe(400);
      expect((await call('mgr-1', 'GET', `/stats?from=${today}&to=${addDays(today, -1)}`)).status).toBe(400);
    });
  });
});

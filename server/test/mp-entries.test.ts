import type { DataSource } from 'typeorm';
import { DEFAULT_CONSENT } from '../src/entries/consent';
import { StoreEntry } from '../src/entries/store-entry.entity';
import { Lead } from '../src/leads/lead.entity';
import { LeadTag } from '../src/leads/lead-tag.entity';
import { TimelineEntry } from '../src/leads/timeline-entry.entity';
import type { MemberRole } from '../src/members/member-actor';
import { addDays, cstDate } from '../src/util/china-time';
import { eventually, Harness, queuesSettled, startHarness } from './support/harness';
import { mpCall } from './support/mp-client';
import { makeLead, makeMember, makeTeam, signIn } from './support/factories';
import consentFixture from '../../miniprogram/test/fixtures/consent.json';
import createdFixture from '../../miniprogram/test/fixtures/entry-created.json';
import todayFixture from '../../miniprogram/test/fixtures/entries-today.json';
import consentErrorFixture from '../../miniprogram/test/fixtures/error-consent-version.json';

/**
 * Store staff's member entries over real HTTP (POST/GET /api/mp/entries, GET /api/mp/consent):
 * a clerk enters a walk-in customer, who becomes a lead (deduplicated by phone, tagged with the
 * store, assigned), and sees only their own entries; everyone else is refused as the entry
 * policy says. The same customer adding a rep in WeCom later is the same lead.
 */
describe('/api/mp entries (store staff)', () => {
  let h: Harness;
  let ds: DataSource;
  const tokens: Record<string, string> = {};
  let jingan: { id: number; name: string; tagName: string };
  let xuhui: { id: number; name: string; tagName: string };
  let teamId: number;

  const ACTORS = ['clerk-1', 'clerk-2', 'clerk-3', 'clerk-none', 'rep-a', 'rep-b', 'mgr', 'boss'] as const;
  type Actor = (typeof ACTORS)[number];

  const call = (who: Actor, method: string, path: string, body?: unknown) => mpCall(h, tokens[who], method, path, body);
  const enter = (who: Actor, fields: Record<string, unknown>) =>
    call(who, 'POST', '/entries', { consent: true, consentVersion: DEFAULT_CONSENT.version, ...fields });
  const keysOf = (o: object) => Object.keys(o).sort();
  const entryCount = () => ds.getRepository(StoreEntry).count();
  const leadCount = () => ds.getRepository(Lead).count();

  beforeAll(async () => {
    h = await startHarness();
    ds = h.runtime.ctx.dataSource;
    for (const userId of ['rep-a', 'rep-b', 'mgr', 'boss']) h.sim.state.addMember(userId);
    teamId = (await makeTeam(h, { name: '静安销售组', members: ['rep-a', 'rep-b'] })).id;
    const s1 = await h.admin('POST', '/api/admin/stores', { name: '静安店' });
    const s2 = await h.admin('POST', '/api/admin/stores', { name: '徐汇店' });
    expect([s1.status, s2.status]).toEqual([201, 201]);
    jingan = s1.body;
    xuhui = s2.body;
    // Walk-ins of 静安店 go to its sales team: assignment routes by the store's tag.
    const rule = await h.admin('POST', '/api/admin/assignment-rules', { position: 1, name: '静安店会员', teamId, conditions: [{ field: 'tag', op: 'eq', value: jingan.tagName }] });
    expect(rule.status).toBe(201);
    const members: Array<[Actor, MemberRole[], number | null]> = [
      ['clerk-1', ['store_staff'], jingan.id],
      ['clerk-2', ['store_staff'], jingan.id],
      ['clerk-3', ['store_staff'], xuhui.id],
      ['clerk-none', ['store_staff'], null],
      ['rep-a', ['rep'], null],
      ['rep-b', ['rep'], null],
      ['mgr', ['manager'], null],
      ['boss', ['admin'], null],
    ];
    for (const [userId, roles, storeId] of members) {
      await makeMember(h, userId, { roles, storeId, managedTeamIds: userId === 'mgr' ? [teamId] : [] });
    }
    for (const who of ACTORS) tokens[who] = (await signIn(h, who)).accessToken;
  });

  afterAll(() => h?.close());

  it('GET /consent: the consent text and version in force, as the mini-program expects them', async () => {
    const r = await call('clerk-1', 'GET', '/consent');
    expect(r.status).toBe(200);
    expect(r.body).toEqual(consentFixture);
    expect(r.body).toEqual(DEFAULT_CONSENT);
  });

  it('a clerk enters a customer: one lead, tagged with the store, assigned; the entry keeps the consent', async () => {
    const r = await enter('clerk-1', { name: ' 吴敏 ', phone: '+86 138-0000-5678' });
    expect(r.status).toBe(201);
    expect(keysOf(r.body)).toEqual(keysOf(createdFixture));
    expect(keysOf(r.body.entry)).toEqual(keysOf(createdFixture.entry));
    expect(r.body.entry).toMatchObject({ name: '吴敏', phone: '138****5678', store: { id: jingan.id, name: '静安店' }, duplicate: false });
    expect(Date.parse(r.body.entry.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    const lead = await ds.getRepository(Lead).findOneByOrFail({ id: r.body.entry.leadId });
    expect(lead).toMatchObject({ phone: '13800005678', name: '吴敏', source: 'store' });
    expect(await ds.getRepository(LeadTag).findOneBy({ leadId: lead.id, name: jingan.tagName })).toMatchObject({ source: 'store', tagId: null });
    expect(await ds.getRepository(TimelineEntry).findOneBy({ leadId: lead.id, kind: 'store.entry' })).toBeTruthy();
    const row = await ds.getRepository(StoreEntry).findOneByOrFail({ id: r.body.entry.id });
    expect(row).toMatchObject({ storeId: jingan.id, createdByUserId: 'clerk-1', leadId: lead.id, phone: '13800005678', consentVersion: DEFAULT_CONSENT.version, consentText: DEFAULT_CONSENT.text });
    // lead.captured without an owner → assignment: the store's tag routes it to the store's team.
    const assigned = await eventually(async () => (await ds.getRepository(Lead).findOneByOrFail({ id: lead.id })).ownerUserId);
    expect(['rep-a', 'rep-b']).toContain(assigned);
    expect((await ds.getRepository(Lead).findOneByOrFail({ id: lead.id })).teamId).toBe(teamId);
  });

  it('a phone that is already a lead: the entry lands on it, duplicate: true, no second lead', async () => {
    const known = await makeLead(ds, { phone: '13911112222', name: '老客户', ownerUserId: 'rep-b', teamId });
    const before = await leadCount();
    const r = await enter('clerk-2', { name: '老客户本人', phone: '139 1111 2222' });
    expect(r.status).toBe(201);
    expect(r.body.entry).toMatchObject({ leadId: known.id, duplicate: true, phone: '139****2222' });
    expect(await leadCount()).toBe(before);
    // The lead keeps its owner and its name; it gets the store's tag.
    expect(await ds.getRepository(Lead).findOneByOrFail({ id: known.id })).toMatchObject({ ownerUserId: 'rep-b', name: '老客户' });
    expect(await ds.getRepository(LeadTag).findOneBy({ leadId: known.id, name: jingan.tagName })).toBeTruthy();
    // The same customer entered again (a second visit): the same lead again.
    const again = await enter('clerk-1', { name: '老客户本人', phone: '13911112222' });
    expect(again.body.entry).toMatchObject({ leadId: known.id, duplicate: true });
    expect(again.body.entry.id).not.toBe(r.body.entry.id);
  });

  it('consent missing, false or of an old version: 400 in Chinese, nothing written', async () => {
    const [entries, leads] = [await entryCount(), await leadCount()];
    const base = { name: '张三', phone: '13600001111' };
    for (const body of [base, { ...base, consent: false }, { ...base, consent: 'true' }]) {
      const r = await call('clerk-1', 'POST', '/entries', { ...body, consentVersion: DEFAULT_CONSENT.version });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error: 'bad_request', message: '请先请顾客阅读并勾选同意授权' });
    }
    for (const consentVersion of ['2025-01', undefined, 3]) {
      const r = await call('clerk-1', 'POST', '/entries', { ...base, consent: true, consentVersion });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject(consentErrorFixture);
    }
    expect([await entryCount(), await leadCount()]).toEqual([entries, leads]);
  });

  it('a phone that is not a mainland mobile, a missing or long name, a body that is no object: 400 in Chinese', async () => {
    const [entries, leads] = [await entryCount(), await leadCount()];
    for (const phone of ['12345', '021-12345678', '12000001111', '+1 415 555 0100', '', 13800001111, null]) {
      const r = await enter('clerk-1', { name: '张三', phone });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error: 'bad_request', message: '请填写正确的 11 位手机号', field: 'phone' });
    }
    expect((await enter('clerk-1', { name: '  ', phone: '13600001111' })).body.message).toBe('请填写姓名');
    expect((await enter('clerk-1', { phone: '13600001111' })).body.message).toBe('请填写姓名');
    expect((await enter('clerk-1', { name: '名'.repeat(65), phone: '13600001111' })).body.message).toBe('姓名不能超过 64 个字');
    const notObject = await call('clerk-1', 'POST', '/entries', ['x']);
    expect(notObject.status).toBe(400);
    expect([await entryCount(), await leadCount()]).toEqual([entries, leads]);
  });

  it('reps, managers and admin members cannot enter customers (404); a clerk without a store gets 403 saying what to do', async () => {
    const [entries, leads] = [await entryCount(), await leadCount()];
    for (const who of ['rep-a', 'mgr', 'boss'] as const) {
      const r = await enter(who, { name: '张三', phone: '13600002222' });
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ error: 'not_found', message: '记录不存在或您无权查看' });
    }
    const noStore = await enter('clerk-none', { name: '张三', phone: '13600002222' });
    expect(noStore.status).toBe(403);
    expect(noStore.body).toMatchObject({ error: 'forbidden', message: '您的账号尚未绑定门店，请联系管理员' });
    expect([await entryCount(), await leadCount()]).toEqual([entries, leads]);
  });

  it('GET /entries: a clerk sees only their own entries of the day, newest first; another store sees none; others 404', async () => {
    const mine = await call('clerk-1', 'GET', '/entries');
    expect(mine.status).toBe(200);
    expect(keysOf(mine.body)).toEqual(keysOf(todayFixture));
    const rows = await ds.getRepository(StoreEntry).find({ where: { createdByUserId: 'clerk-1' }, order: { id: 'DESC' } });
    expect(rows.length).toBe(2);
    expect(mine.body.items.map((e: { id: number }) => e.id)).toEqual(rows.map((e) => e.id));
    for (const item of mine.body.items) {
      expect(keysOf(item)).toEqual(keysOf(todayFixture.items[0]));
      expect(item.phone).toMatch(/^1\d\d\*{4}\d{4}$/);
      expect(item.store).toEqual({ id: jingan.id, name: '静安店' });
    }
    // clerk-2, same store: only their own.
    const colleague = await call('clerk-2', 'GET', `/entries?day=${cstDate(Date.now())}`);
    expect(colleague.body.items.map((e: { id: number }) => e.id)).toEqual(
      (await ds.getRepository(StoreEntry).find({ where: { createdByUserId: 'clerk-2' }, order: { id: 'DESC' } })).map((e) => e.id),
    );
    expect(colleague.body.items.some((e: { id: number }) => rows.some((r) => r.id === e.id))).toBe(false);
    // Another store's clerk: none of them.
    expect((await call('clerk-3', 'GET', '/entries')).body).toEqual({ items: [] });
    // Another day: none.
    expect((await call('clerk-1', 'GET', `/entries?day=${addDays(cstDate(Date.now()), -1)}`)).body).toEqual({ items: [] });
    for (const bad of ['2026-13-01', '2026-02-30', 'today', '']) {
      const r = await call('clerk-1', 'GET', `/entries?day=${bad}`);
      expect(r.status).toBe(400);
      expect(r.body.message).toBe('日期格式应为 YYYY-MM-DD');
    }
    expect((await call('clerk-1', 'GET', '/entries?store=2')).status).toBe(400);
    for (const who of ['rep-a', 'mgr'] as const) {
      const r = await call(who, 'GET', '/entries');
      expect(r.status).toBe(404);
    }
  });

  it('the customer later adds a rep in WeCom with the phone in the remark: the entry and the contact are one lead', async () => {
    const r = await enter('clerk-3', { name: '周杰', phone: '15012345678' });
    expect(r.status).toBe(201);
    expect(r.body.entry).toMatchObject({ store: { id: xuhui.id, name: '徐汇店' }, duplicate: false });
    const leadId = r.body.entry.leadId;
    await queuesSettled(h);
    const { externalUserId } = await h.driver.customerAddsRep({ userId: 'rep-b', customer: { name: '周杰微信' }, remarkMobiles: ['150-1234-5678'] });
    const contact = await eventually(() => ds.getRepository(Lead).findOneBy({ externalUserId }));
    expect(contact.id).toBe(leadId);
    expect(contact).toMatchObject({ phone: '15012345678', name: '周杰微信' });
    expect(await ds.getRepository(Lead).countBy({ phone: '15012345678' })).toBe(1);
    expect(await ds.getRepository(LeadTag).findOneBy({ leadId, name: xuhui.tagName })).toBeTruthy();
    // The clerk's list still points at it.
    const list = await call('clerk-3', 'GET', '/entries');
    expect(list.body.items.find((e: { id: number }) => e.id === r.body.entry.id)).toMatchObject({ leadId });

    // Entered again now that the lead is a WeCom contact: the store's tag goes on them in WeCom,
    // through mark_tag for each rep who has them.
    await queuesSettled(h);
    const again = await enter('clerk-3', { name: '周杰', phone: '15012345678' });
    expect(again.body.entry).toMatchObject({ leadId, duplicate: true });
    await eventually(() =>
      h.sim.successfulCalls('externalcontact/mark_tag').some((c) => (c.body as any).external_userid === externalUserId && (c.body as any).userid === 'rep-b'),
    );
    const marked = h.sim.state.follow('rep-b', externalUserId)!.tags.find((t) => t.tag_name === xuhui.tagName);
    expect(marked).toBeTruthy();
  });

});

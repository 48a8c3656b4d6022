import { Channel } from '../src/channels/channel.entity';
import { eventually, Harness, queuesSettled, startHarness } from './support/harness';

/**
 * Channel edits, deletes and stats under the conditions that used to corrupt them: partial edits,
 * an edit racing a delete, WeCom errors on delete, and unbounded or deleted-channel stats.
 */
describe('channel correctness', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { members: [{ userid: 'zhangsan' }, { userid: 'lisi' }, { userid: 'wangwu' }] } });
  });
  afterAll(async () => h.close());
  afterEach(() => h.sim.faults.clear());

  let seq = 0;
  const newChannel = async (extra: Record<string, unknown> = {}) => {
    const r = await h.admin('POST', '/api/admin/channels', { name: `渠道 ${++seq}`, userIds: ['zhangsan'], tags: ['老客户'], ...extra });
    expect(r.status).toBe(201);
    return r.body;
  };
  const row = (id: number) => h.runtime.ctx.dataSource.getRepository(Channel).findOneByOrFail({ id });
  /** Until the injected faults have all been taken by a call, i.e. that call is now under way. */
  const faultTaken = () => eventually(() => h.sim.faults.pending.length === 0);
  const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const daysFrom = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400_000).toISOString().slice(0, 10);

  describe('PATCH changes only what it is given', () => {
    it('keeps tags, welcome text and mini-program card when they are left out', async () => {
      const card = { title: '产品手册', appid: 'wx1234567890abcdef', page: 'pages/index', picMediaId: 'media-1' };
      const c = await newChannel({ tags: ['上海展会', '2026展会'], welcomeText: '欢迎！', welcomeMiniprogram: card });
      const r = await h.admin('PATCH', `/api/admin/channels/${c.id}`, { name: '改名后' });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ name: '改名后', tags: ['上海展会', '2026展会'], welcomeText: '欢迎！', welcomeMiniprogram: card });
      expect(await row(c.id)).toMatchObject({ name: '改名后', tagNames: ['上海展会', '2026展会'], welcomeText: '欢迎！', welcomeMiniprogram: card });

      const welcomeOnly = await h.admin('PATCH', `/api/admin/channels/${c.id}`, { welcomeText: null });
      expect(welcomeOnly.body).toMatchObject({ name: '改名后', tags: ['上海展会', '2026展会'], welcomeText: null, welcomeMiniprogram: card });
    });

    it('clears tags only when asked to, with an explicit empty list', async () => {
      const c = await newChannel();
      const r = await h.admin('PATCH', `/api/admin/channels/${c.id}`, { tags: [] });
      expect(r.status).toBe(200);
      expect(r.body.tags).toEqual([]);
      expect((await row(c.id)).tagNames).toEqual([]);
    });

    it('answers 400 "nothing to update" for an empty edit (or one with only unknown fields), changing nothing', async () => {
      const c = await newChannel();
      const before = await row(c.id);
      for (const body of [{}, { nmae: 'typo' }]) {
        const r = await h.admin('PATCH', `/api/admin/channels/${c.id}`, body);
        expect(r.status).toBe(400);
        expect(r.body).toMatchObject({ error: 'validation_failed', message: 'nothing to update' });
        expect(r.body.fields).toEqual([{ path: '', message: expect.stringContaining('name, userIds, tags') }]);
      }
      expect(await row(c.id)).toEqual(before);
    });
  });

  describe('PATCH racing DELETE', () => {
    it('a tags edit still under way when the channel is deleted answers 404 and does not bring it back', async () => {
      const c = await newChannel();
      // A tag name never seen makes the edit re-read the corp tags from WeCom: slowly.
      h.sim.faults.inject({ path: 'externalcontact/get_corp_tag_list', latencyMs: 1500 });
      const patch = h.admin('PATCH', `/api/admin/channels/${c.id}`, { tags: ['竞速标签'] });
      await faultTaken();
      expect((await h.admin('DELETE', `/api/admin/channels/${c.id}`)).status).toBe(204);

      const r = await patch;
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ error: 'not_found', message: 'channel not found' });
      const after = await row(c.id);
      expect(after.deletedAt).not.toBeNull();
      expect(after.tagNames).toEqual(['老客户']);
      expect((await h.admin('GET', `/api/admin/channels/${c.id}`)).status).toBe(404);
      expect((await h.admin('GET', '/api/admin/channels')).body.items.map((x: any) => x.id)).not.toContain(c.id);
    });

    it('a rename whose update_contact_way is slow answers 404 when a DELETE removed the code meanwhile', async () => {
      const c = await newChannel();
      h.sim.faults.inject({ path: 'externalcontact/update_contact_way', latencyMs: 1000 });
      const patch = h.admin('PATCH', `/api/admin/channels/${c.id}`, { name: '竞速改名' });
      await faultTaken();
      expect((await h.admin('DELETE', `/api/admin/channels/${c.id}`)).status).toBe(204);

      const r = await patch;
      // WeCom answers 41044 (the code is gone) because the delete got there first: that is the
      // channel being gone, not WeCom failing.
      expect(r.status).toBe(404);
      const after = await row(c.id);
      expect(after).toMatchObject({ name: c.name });
      expect(after.deletedAt).not.toBeNull();
      expect(h.sim.state.contactWays.has(c.configId)).toBe(false);
    });

    it('a channel deleted while WeCom makes its code stays deleted, and the new code is taken down', async () => {
      h.sim.faults.inject({ path: 'externalcontact/add_contact_way', latencyMs: 1000 });
      const create = h.admin('POST', '/api/admin/channels', { name: '创建中删除', userIds: ['zhangsan'] });
      await faultTaken();
      // The row is listed (without a code yet) from the start.
      const listed = (await h.admin('GET', '/api/admin/channels')).body.items.find((x: any) => x.name === '创建中删除');
      expect(listed).toMatchObject({ configId: null });
      expect((await h.admin('DELETE', `/api/admin/channels/${listed.id}`)).status).toBe(204);

      const r = await create;
      expect(r.status).toBe(404);
      expect((await h.admin('GET', `/api/admin/channels/${listed.id}`)).status).toBe(404);
      expect(h.sim.state.contactWayByState(listed.state)).toBeUndefined();
    });

    it('two edits of different fields at once both stick (no write-back of a stale row)', async () => {
      const c = await newChannel({ welcomeText: '旧欢迎语' });
      h.sim.faults.inject({ path: 'externalcontact/get_corp_tag_list', latencyMs: 1000 });
      const slowTags = h.admin('PATCH', `/api/admin/channels/${c.id}`, { tags: ['并发标签'] });
      await faultTaken();
      expect((await h.admin('PATCH', `/api/admin/channels/${c.id}`, { welcomeText: '新欢迎语' })).status).toBe(200);

      expect((await slowTags).status).toBe(200);
      expect(await row(c.id)).toMatchObject({ tagNames: ['并发标签'], welcomeText: '新欢迎语', deletedAt: null });
    });
  });

  describe('DELETE and WeCom errors', () => {
    it('40001 (invalid secret) keeps the channel and its live code, and answers 502 with the errcode', async () => {
      const c = await newChannel();
      h.sim.faults.inject({ path: 'externalcontact/del_contact_way', errcode: 40001, errmsg: 'invalid secret' });
      const r = await h.admin('DELETE', `/api/admin/channels/${c.id}`);
      expect(r.status).toBe(502);
      expect(r.body).toMatchObject({ error: 'wecom_error', errcode: 40001 });
      expect((await row(c.id)).deletedAt).toBeNull();
      expect((await h.admin('GET', `/api/admin/channels/${c.id}`)).status).toBe(200);
      expect(h.sim.state.contactWays.has(c.configId)).toBe(true);

      // Once WeCom accepts, the delete goes through.
      expect((await h.admin('DELETE', `/api/admin/channels/${c.id}`)).status).toBe(204);
      expect(h.sim.state.contactWays.has(c.configId)).toBe(false);
    });

    it('other refusals (no permission, untrusted IP) keep the channel too', async () => {
      const c = await newChannel();
      for (const errcode of [48002, 60020]) {
        h.sim.faults.inject({ path: 'externalcontact/del_contact_way', errcode });
        const r = await h.admin('DELETE', `/api/admin/channels/${c.id}`);
        expect(r.status).toBe(502);
        expect(r.body.errcode).toBe(errcode);
      }
      expect((await row(c.id)).deletedAt).toBeNull();
    });

    it('a code WeCom no longer knows (41044) counts as removed: the channel is deleted', async () => {
      const c = await newChannel();
      h.sim.state.contactWays.delete(c.configId); // removed in WeCom by other means
      const r = await h.admin('DELETE', `/api/admin/channels/${c.id}`);
      expect(r.status).toBe(204);
      expect(h.sim.callsTo('externalcontact/del_contact_way').at(-1)?.errcode).toBe(41044);
      expect((await row(c.id)).deletedAt).not.toBeNull();
    });
  });

  describe('GET /channels/:id/stats', () => {
    let c: any;
    beforeAll(async () => {
      c = await newChannel({ tags: [] });
      await h.driver.customerAddsRep({ userId: 'zhangsan', state: c.state, customer: { name: '统计客户' } });
      await queuesSettled(h);
    });
    const stats = (query = '') => h.admin('GET', `/api/admin/channels/${c.id}/stats${query}`);

    it('is bounded when from/to are left out: the last 366 days, or 366 days from/to the given one', async () => {
      const none = await stats();
      expect(none.status).toBe(200);
      expect(none.body).toMatchObject({ from: daysFrom(today(), -365), to: today(), totals: { adds: 1, leads: 1, deletions: 0 } });

      const onlyFrom = await stats('?from=2025-03-01');
      expect(onlyFrom.body).toMatchObject({ from: '2025-03-01', to: '2026-03-01' });
      const onlyTo = await stats('?to=2024-12-31');
      expect(onlyTo.body).toMatchObject({ from: '2024-01-01', to: '2024-12-31', totals: { adds: 0, leads: 0, deletions: 0 }, byDay: [] });
    });

    it('counts only inside the range', async () => {
      const inside = await stats(`?from=${today()}&to=${today()}`);
      expect(inside.body).toMatchObject({ totals: { adds: 1, leads: 1, deletions: 0 }, byDay: [{ date: today(), adds: 1, leads: 1, deletions: 0 }] });
      const before = await stats(`?from=${daysFrom(today(), -30)}&to=${daysFrom(today(), -1)}`);
      expect(before.body.totals).toEqual({ adds: 0, leads: 0, deletions: 0 });
    });

    it('takes at most 366 days: 400 beyond, for from after to, and for dates that do not exist', async () => {
      expect((await stats('?from=2025-01-01&to=2026-01-01')).status).toBe(200); // 366 days
      const tooLong = await stats('?from=2025-01-01&to=2026-01-02');
      expect(tooLong.status).toBe(400);
      expect(tooLong.body).toMatchObject({ error: 'validation_failed', fields: [{ path: 'to', message: 'a range covers at most 366 days' }] });
      expect((await stats('?from=2000-01-01&to=2026-01-01')).status).toBe(400);

      const backwards = await stats('?from=2026-03-02&to=2026-03-01');
      expect(backwards.status).toBe(400);
      expect(backwards.body.fields).toEqual([{ path: 'to', message: 'to must not be before from' }]);

      for (const bad of ['?from=2026-02-30', '?to=2026-13-01', '?from=yesterday', '?from=2026-03-01&from=2026-03-02']) {
        const r = await stats(bad);
        expect(r.status).toBe(400);
        expect(r.body.error).toBe('validation_failed');
      }
    });

    it('answers 404 for a deleted channel (and a missing one)', async () => {
      const gone = await newChannel();
      expect((await h.admin('GET', `/api/admin/channels/${gone.id}/stats`)).status).toBe(200);
      expect((await h.admin('DELETE', `/api/admin/channels/${gone.id}`)).status).toBe(204);
      const r = await h.admin('GET', `/api/admin/channels/${gone.id}/stats`);
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ error: 'not_found', message: 'channel not found' });
      expect((await h.admin('GET', '/api/admin/channels/999999/stats')).status).toBe(404);
    });
  });
});

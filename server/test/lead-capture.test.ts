import { Lead } from '../src/leads/lead.entity';
import { LeadRelation } from '../src/leads/lead-relation.entity';
import { eventually, Harness, queuesSettled, startHarness } from './support/harness';

/** Lead capture end to end: the admin API and WeCom callbacks in, WeCom API calls out, all over HTTP. */
describe('lead capture through channels', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { members: [{ userid: 'zhangsan' }, { userid: 'lisi' }, { userid: 'wangwu' }] } });
  });
  afterAll(async () => h.close());

  const lead = (externalUserId: string) => h.runtime.ctx.dataSource.getRepository(Lead).findOneBy({ externalUserId });
  const detail = async (externalUserId: string) => {
    const l = await lead(externalUserId);
    return (await h.admin('GET', `/api/admin/leads/${l!.id}`)).body;
  };
  const welcomesFor = (ext: string) => h.sim.state.welcomeMessages.filter((w) => w.external_userid === ext);
  const markTagsFor = (ext: string) => h.sim.successfulCalls('externalcontact/mark_tag').filter((c) => (c.body as any).external_userid === ext);
  const noticesAbout = (leadId: number) =>
    h.sim.state.appMessages.items.filter((m) => !m.deduplicated && JSON.stringify(m.content).includes(`#${leadId}`));

  let expo: any;

  /** An add_external_contact through the expo channel, with its own code and CreateTime offset (s). */
  const postAddToZhangsan = (externalUserId: string, welcomeCode: string, createdSecondsFromNow: number) =>
    h.driver.postCallback({
      Event: 'change_external_contact',
      ChangeType: 'add_external_contact',
      UserID: 'zhangsan',
      ExternalUserID: externalUserId,
      State: expo.state,
      WelcomeCode: welcomeCode,
      CreateTime: Math.floor(Date.now() / 1000) + createdSecondsFromNow,
    });

  describe('channel admin API', () => {
    it('requires the admin token', async () => {
      const r = await fetch(`${h.url}/api/admin/channels`);
      expect(r.status).toBe(401);
      const wrong = await fetch(`${h.url}/api/admin/channels`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
    });

    it('creates a channel: add_contact_way with a short alphanumeric state, tags created in WeCom', async () => {
      const r = await h.admin('POST', '/api/admin/channels', {
        name: '上海展会 2026',
        userIds: ['zhangsan'],
        tags: ['上海展会', '2026展会'],
        welcomeText: '您好，欢迎来到我们的展台！回复「资料」获取白皮书。',
      });
      expect(r.status).toBe(201);
      expo = r.body;
      expect(expo.state).toMatch(/^[A-Za-z0-9]{1,30}$/);
      expect(expo.configId).toBeTruthy();
      expect(expo.qrCode).toMatch(/^https?:\/\//);
      const [call] = h.sim.successfulCalls('externalcontact/add_contact_way');
      expect(call.body).toMatchObject({ type: 1, scene: 2, skip_verify: true, state: expo.state, user: ['zhangsan'] });
      const created = h.sim.successfulCalls('externalcontact/add_corp_tag');
      expect(created).toHaveLength(1);
      expect((created[0].body as any).tag.map((t: any) => t.name).sort()).toEqual(['2026展会', '上海展会']);
      expect(h.sim.state.contactWayByState(expo.state)?.config_id).toBe(expo.configId);
    });

    it('reuses known corp tags instead of creating them again; several reps → type 2', async () => {
      const r = await h.admin('POST', '/api/admin/channels', { name: 'Store 12 counter', userIds: ['lisi', 'wangwu'], tags: ['上海展会'] });
      expect(r.status).toBe(201);
      expect(h.sim.successfulCalls('externalcontact/add_corp_tag')).toHaveLength(1);
      expect(h.sim.successfulCalls('externalcontact/add_contact_way')[1].body).toMatchObject({ type: 2, user: ['lisi', 'wangwu'] });
    });

    it('validates input with field messages', async () => {
      const r = await h.admin('POST', '/api/admin/channels', { name: '', userIds: [], tags: ['x'.repeat(31)] });
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('validation_failed');
      const paths = r.body.fields.map((f: any) => f.path);
      expect(paths).toEqual(expect.arrayContaining(['name', 'userIds', 'tags.0']));
      const tooLong = await h.admin('POST', '/api/admin/channels', { name: 'x', userIds: ['zhangsan'], welcomeText: '好'.repeat(1400) });
      expect(tooLong.status).toBe(400);
    });

    it('returns WeCom errors as 502 with the errcode, and keeps nothing half-made', async () => {
      const before = (await h.admin('GET', '/api/admin/channels')).body.items.length;
      const r = await h.admin('POST', '/api/admin/channels', { name: 'ghost', userIds: ['nobody-here'] });
      expect(r.status).toBe(502);
      expect(r.body).toMatchObject({ error: 'wecom_error', errcode: 40003 });
      expect((await h.admin('GET', '/api/admin/channels')).body.items).toHaveLength(before);
    });

    it('lists, gets, updates (update_contact_way) and deletes (del_contact_way)', async () => {
      const list = await h.admin('GET', '/api/admin/channels');
      expect(list.body.items.map((c: any) => c.id)).toContain(expo.id);
      const temp = (await h.admin('POST', '/api/admin/channels', { name: 'temp', userIds: ['lisi'] })).body;
      const upd = await h.admin('PATCH', `/api/admin/channels/${temp.id}`, { name: 'temp renamed', userIds: ['wangwu'], welcomeText: '欢迎！' });
      expect(upd.status).toBe(200);
      expect(upd.body).toMatchObject({ name: 'temp renamed', userIds: ['wangwu'], welcomeText: '欢迎！' });
      const [u] = h.sim.successfulCalls('externalcontact/update_contact_way');
      expect(u.body).toMatchObject({ config_id: temp.configId, user: ['wangwu'] });
      const typeChange = await h.admin('PATCH', `/api/admin/channels/${temp.id}`, { userIds: ['lisi', 'wangwu'] });
      expect(typeChange.status).toBe(400);
      expect((await h.admin('DELETE', `/api/admin/channels/${temp.id}`)).status).toBe(204);
      expect(h.sim.successfulCalls('externalcontact/del_contact_way')).toHaveLength(1);
      expect((await h.admin('GET', `/api/admin/channels/${temp.id}`)).status).toBe(404);
    });
  });

  describe('a customer scans the channel code', () => {
    it('becomes a tagged, attributed lead with one welcome, one tag call and one notice — even with 3 WeCom retries', async () => {
      const { externalUserId, response } = await h.driver.customerAddsRep({
        userId: 'zhangsan',
        state: expo.state,
        customer: { name: '王小明', unionid: 'union-wxm' },
        retries: 3,
      });
      expect(response.attempts.map((a) => a.status)).toEqual([200, 200, 200, 200]);
      await queuesSettled(h);
      const l = await lead(externalUserId);
      expect(l).toMatchObject({ name: '王小明', ownerUserId: 'zhangsan', channelId: expo.id, source: 'wecom', addWay: 1, unionid: 'union-wxm' });
      expect(welcomesFor(externalUserId)).toHaveLength(1);
      expect(welcomesFor(externalUserId)[0]).toMatchObject({ text: { content: expo.welcomeText } });
      expect(markTagsFor(externalUserId)).toHaveLength(1);
      expect(markTagsFor(externalUserId)[0].body).toMatchObject({ userid: 'zhangsan', external_userid: externalUserId });
      const tagsInWecom = h.sim.state.follow('zhangsan', externalUserId)!.tags.map((t) => t.tag_name).sort();
      expect(tagsInWecom).toEqual(['2026展会', '上海展会']);
      expect(noticesAbout(l!.id)).toHaveLength(1);
      expect(noticesAbout(l!.id)[0].touser).toEqual(['zhangsan']);
      const d = await detail(externalUserId);
      expect(d.tags.sort()).toEqual(['2026展会', '上海展会']);
      expect(d.relations).toEqual([expect.objectContaining({ userId: 'zhangsan', status: 'active', channelId: expo.id })]);
      expect(d.timeline.map((e: any) => e.kind).sort()).toEqual(['lead.created', 'owner.notified', 'tags.marked', 'welcome.sent']);
      expect(d.timeline.find((e: any) => e.kind === 'lead.created').summary).toContain('上海展会 2026');
      const inbox = await h.runtime.ctx.dataSource.query(`SELECT status FROM inbox_event WHERE partition_key = ?`, [`contact:${externalUserId}`]);
      expect(inbox).toEqual([{ status: 'done' }]);
    });

    it('a burst of adds through one channel: every one attributed, tagged and welcomed exactly once', async () => {
      const n = 120;
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) => h.driver.customerAddsRep({ userId: 'zhangsan', state: expo.state, customer: { name: `客户${i}` }, retries: i % 3 === 0 ? 1 : 0 })),
      );
      expect(results.filter((r) => r.response.status !== 200).map((r) => [r.response.status, r.response.body, r.response.error])).toEqual([]);
      await queuesSettled(h, 30_000);
      for (const { externalUserId } of results) {
        const l = await lead(externalUserId);
        expect(l?.channelId).toBe(expo.id);
        expect(welcomesFor(externalUserId)).toHaveLength(1);
        expect(markTagsFor(externalUserId)).toHaveLength(1);
      }
      const dead = await h.runtime.ctx.dataSource.query(`SELECT COUNT(*) AS n FROM job WHERE status = 'dead' AND kind IN ('welcome', 'mark_tag', 'notify_rep')`);
      expect(Number(dead[0].n)).toBe(0);
    });

    it('retries a failing mark_tag and send_welcome_msg without duplicating them', async () => {
      // More failures than the client retries inline, so the job itself has to come back later.
      h.sim.faults.inject({ path: 'externalcontact/mark_tag', errcode: -1, times: 6 });
      h.sim.faults.inject({ path: 'externalcontact/send_welcome_msg', errcode: 45033, times: 2 });
      const { externalUserId } = await h.driver.customerAddsRep({ userId: 'zhangsan', state: expo.state, customer: { name: '重试客户' } });
      await queuesSettled(h, 30_000);
      expect(h.sim.callsTo('externalcontact/mark_tag').filter((c) => (c.body as any).external_userid === externalUserId).length).toBeGreaterThan(4);
      expect(markTagsFor(externalUserId)).toHaveLength(1);
      expect(welcomesFor(externalUserId)).toHaveLength(1);
      const d = await detail(externalUserId);
      expect(d.timeline.filter((e: any) => e.kind === 'tags.marked')).toHaveLength(1);
      expect(d.timeline.filter((e: any) => e.kind === 'welcome.sent')).toHaveLength(1);
    });

    it('a permanent WeCom refusal dead-letters the job with its error; a replay after the fix completes it once', async () => {
      h.sim.faults.inject({ path: 'externalcontact/mark_tag', errcode: 60011, times: 1 });
      const { externalUserId } = await h.driver.customerAddsRep({ userId: 'zhangsan', state: expo.state, customer: { name: '权限客户' } });
      await queuesSettled(h);
      const dead = (await h.admin('GET', '/api/admin/jobs?status=dead&limit=200')).body.items.filter((j: any) => j.kind === 'event:lead.captured');
      expect(dead).toHaveLength(1);
      expect(dead[0].lastError).toContain('60011');
      expect(dead[0].attempts).toBe(1);
      expect(markTagsFor(externalUserId)).toHaveLength(0);
      const replay = await h.admin('POST', `/api/admin/jobs/${dead[0].id}/replay`);
      expect(replay.status).toBe(202);
      expect((await h.admin('POST', `/api/admin/jobs/${dead[0].id}/replay`)).status).toBe(409);
      await queuesSettled(h);
      expect(markTagsFor(externalUserId)).toHaveLength(1);
      expect((await h.admin('GET', '/api/admin/jobs?status=dead&limit=200')).body.items.filter((j: any) => j.kind === 'event:lead.captured')).toHaveLength(0);
    });

    it('a callback delivered after its welcome code expired: no send attempt, the job is dead as expired, the rep is told', async () => {
      // WeCom could only deliver this add 25 s after it happened (we were down): the code's 20 s
      // run from the add (CreateTime), not from our intake.
      const externalUserId = `wm-late-${Date.now()}`;
      h.sim.state.addExternalContact({ external_userid: externalUserId, name: '迟到客户' });
      h.sim.state.addFollow('zhangsan', externalUserId, { add_way: 1, oper_userid: externalUserId, state: expo.state });
      const code = h.sim.state.issueWelcomeCode('zhangsan', externalUserId);
      const r = await postAddToZhangsan(externalUserId, code, -25);
      expect(r.status).toBe(200);
      await queuesSettled(h);
      expect(h.sim.callsTo('externalcontact/send_welcome_msg').filter((c) => (c.body as any).welcome_code === code)).toHaveLength(0);
      // The welcome lives on the add's inbox row (welcome_* columns).
      const [job] = await h.runtime.ctx.dataSource.query(`SELECT welcome_status AS status, welcome_attempts AS attempts, welcome_last_error AS last_error FROM inbox_event WHERE welcome_code = ?`, [code]);
      expect(job).toMatchObject({ status: 'dead' });
      // Taken in by this process (stored leased to it, inbox/local-intake.ts) and given up before
      // any request: one attempt. (Stored unleased, it would be dead-lettered unclaimed by the
      // welcome lane's sweep on MySQL: none.)
      expect(Number(job.attempts)).toBeLessThanOrEqual(1);
      expect(job.last_error).toContain('welcome code expired');
      const d = await detail(externalUserId);
      expect(d.channelId).toBe(expo.id);
      expect(d.timeline.filter((e: any) => e.kind === 'welcome.expired')).toEqual([expect.objectContaining({ summary: expect.stringContaining('请手动问候客户') })]);
      expect(d.timeline.filter((e: any) => e.kind === 'welcome.sent')).toHaveLength(0);
      expect(markTagsFor(externalUserId)).toHaveLength(1);
    });

    it('WeCom answering 41050 (code invalid or expired) ends the welcome at once, recorded for the rep', async () => {
      const { externalUserId } = await h.driver.customerAddsRep({ userId: 'zhangsan', state: expo.state, customer: { name: '过期码客户' }, withWelcomeCode: false });
      // Replace the add with one carrying a code WeCom never issued.
      const r = await postAddToZhangsan(externalUserId, 'CODE-WECOM-NEVER-ISSUED', 1);
      expect(r.status).toBe(200);
      await queuesSettled(h);
      const calls = h.sim.callsTo('externalcontact/send_welcome_msg').filter((c) => (c.body as any).welcome_code === 'CODE-WECOM-NEVER-ISSUED');
      expect(calls.map((c) => c.errcode)).toEqual([41050]);
      const [job] = await h.runtime.ctx.dataSource.query(`SELECT welcome_status AS status, welcome_last_error AS last_error FROM inbox_event WHERE welcome_code = 'CODE-WECOM-NEVER-ISSUED'`);
      expect(job.status).toBe('dead');
      expect(job.last_error).toContain('41050');
      const d = await detail(externalUserId);
      expect(d.timeline.filter((e: any) => e.kind === 'welcome.expired')).toHaveLength(1);
    });

    it('the bulk expiry note goes only to adds that had a welcome to send', async () => {
      const { noteExpiredWelcomes } = await import('../src/channels/welcome-job');
      const { Job } = await import('../src/jobs/job.entity');
      const ds = h.runtime.ctx.dataSource;
      const job = (code: string, state: string | null, attempts: number) =>
        Object.assign(new Job(), {
          kind: 'welcome',
          attempts,
          // A tried one sent a request whose answer never came (the mark the welcome job stores first).
          payload: { welcomeCode: code, userId: 'zhangsan', externalUserId: `wm-${code}`, state, receivedAt: Date.now() - 30_000, ...(attempts ? { mayHaveSentAt: Date.now() - 25_000 } : {}) },
        });
      await ds.transaction((m) => noteExpiredWelcomes([job('SWEPT-CHANNEL', expo.state, 0), job('SWEPT-ORGANIC', null, 0), job('SWEPT-TRIED', expo.state, 1)], m));
      const notes = await ds.query(`SELECT dedup_key, payload FROM job WHERE kind = 'timeline.deferred' AND dedup_key LIKE 'timeline:welcome:SWEPT-%' ORDER BY dedup_key`);
      expect(notes.map((n: any) => n.dedup_key)).toEqual(['timeline:welcome:SWEPT-CHANNEL', 'timeline:welcome:SWEPT-TRIED']);
      const summaries = notes.map((n: any) => JSON.parse(n.payload).entry.summary);
      expect(summaries[0]).toContain('请手动问候客户');
      // Tried before: it may have been delivered with its answer lost.
      expect(summaries[1]).toContain('可能未送达');
      await ds.query(`DELETE FROM job WHERE dedup_key LIKE 'timeline:welcome:SWEPT-%'`);
    });

    it('a channel whose welcome is a mini-program card sends it as an attachment', async () => {
      const card = { title: '领取新人优惠券', appid: 'wx1234567890abcdef', page: 'pages/coupon/index?from=store12', picMediaId: 'MEDIA_ID_COUPON' };
      const store = (await h.admin('POST', '/api/admin/channels', { name: '门店12号柜台', userIds: ['lisi'], welcomeMiniprogram: card })).body;
      const { externalUserId } = await h.driver.customerAddsRep({ userId: 'lisi', state: store.state });
      await queuesSettled(h);
      const [welcome] = welcomesFor(externalUserId);
      expect(welcome.text).toBeUndefined();
      expect(welcome.attachments).toEqual([
        { msgtype: 'miniprogram', miniprogram: { title: card.title, pic_media_id: card.picMediaId, appid: card.appid, page: card.page } },
      ]);
    });

    it('an unknown state is an organic add: no channel, add_way kept, no channel tags or welcome', async () => {
      const { externalUserId } = await h.driver.customerAddsRep({ userId: 'lisi', state: 'nosuchchannel', addWay: 2, customer: { name: '自然客户' } });
      const empty = await h.driver.customerAddsRep({ userId: 'lisi', addWay: 3, customer: { name: '名片客户' } });
      await queuesSettled(h);
      const l = await lead(externalUserId);
      expect(l).toMatchObject({ channelId: null, addWay: 2, ownerUserId: 'lisi' });
      expect((await lead(empty.externalUserId))).toMatchObject({ channelId: null, addWay: 3 });
      expect(welcomesFor(externalUserId)).toHaveLength(0);
      expect(markTagsFor(externalUserId)).toHaveLength(0);
      const d = await detail(externalUserId);
      expect(d.attribution).toBe('organic');
      expect(d.timeline.find((e: any) => e.kind === 'lead.created').summary).toContain('nosuchchannel');
      const welcomeJobs = await h.runtime.ctx.dataSource.query(`SELECT welcome_status AS status FROM inbox_event WHERE welcome_status IS NOT NULL AND partition_key = ?`, [`contact:${externalUserId}`]);
      expect(welcomeJobs).toEqual([{ status: 'skipped' }]);
    });

    it('the same customer added by two reps is one lead with two relations', async () => {
      const first = await h.driver.customerAddsRep({ userId: 'zhangsan', state: expo.state, customer: { name: '双跟进' } });
      await queuesSettled(h);
      await h.driver.customerAddsRep({ userId: 'wangwu', externalUserId: first.externalUserId });
      await queuesSettled(h);
      const leads = await h.runtime.ctx.dataSource.getRepository(Lead).findBy({ externalUserId: first.externalUserId });
      expect(leads).toHaveLength(1);
      expect(leads[0].ownerUserId).toBe('zhangsan');
      const relations = await h.runtime.ctx.dataSource.getRepository(LeadRelation).findBy({ leadId: leads[0].id });
      expect(relations.map((r) => r.userId).sort()).toEqual(['wangwu', 'zhangsan']);
    });

    it('add_half_external_contact is captured too', async () => {
      const { externalUserId } = await h.driver.customerAddsRep({ userId: 'zhangsan', state: expo.state, half: true });
      await queuesSettled(h);
      const d = await detail(externalUserId);
      expect(d.timeline.find((e: any) => e.kind === 'lead.created').summary).toContain('免验证');
    });
  });

  describe('contact edits and deletions', () => {
    let ext: string;
    beforeAll(async () => {
      ext = (await h.driver.customerAddsRep({ userId: 'zhangsan', state: expo.state, customer: { name: '资料变更' } })).externalUserId;
      await h.driver.customerAddsRep({ userId: 'lisi', externalUserId: ext });
      await queuesSettled(h);
    });

    it('edit_external_contact refreshes details and tags from WeCom', async () => {
      const vip = h.sim.state.addCorpTags({ groupName: '客户等级' }, [{ name: 'VIP' }]).tag[0];
      const relation = h.sim.state.follow('zhangsan', ext)!;
      const exhibit = relation.tags.find((t) => t.tag_name === '2026展会')!;
      h.sim.state.markTags(relation, [vip.id], [exhibit.tag_id]);
      await h.driver.customerEdited({ userId: 'zhangsan', externalUserId: ext, remark: '重点客户', customer: { name: '资料变更后' }, retries: 2 });
      await queuesSettled(h);
      const d = await detail(ext);
      expect(d.name).toBe('资料变更后');
      expect(d.tags.sort()).toEqual(['VIP', '上海展会']);
      const edits = d.timeline.filter((e: any) => e.kind === 'contact.edited');
      expect(edits).toHaveLength(1);
      expect(edits[0].summary).toContain('VIP');
      expect(d.relations.find((r: any) => r.userId === 'zhangsan').remark).toBe('重点客户');
    });

    it('del_follow_user and del_external_contact mark the relation lost with its reason; the lead stays', async () => {
      await h.driver.customerDeletesRep({ userId: 'zhangsan', externalUserId: ext, retries: 1 });
      await h.driver.repDeletesCustomer({ userId: 'lisi', externalUserId: ext, source: 'DELETE_BY_TRANSFER' });
      await queuesSettled(h);
      const d = await detail(ext);
      const byUser = Object.fromEntries(d.relations.map((r: any) => [r.userId, r]));
      expect(byUser.zhangsan).toMatchObject({ status: 'lost', lostReason: 'customer_deleted_rep' });
      expect(byUser.lisi).toMatchObject({ status: 'lost', lostReason: 'transferred' });
      const lost = d.timeline.filter((e: any) => e.kind === 'relation.lost');
      expect(lost).toHaveLength(2);
      expect(lost.map((e: any) => e.summary).join()).toContain('客户删除了成员');
      expect(d.timeline.length).toBeGreaterThan(4);
    });

    it('transfer_fail is recorded on the timeline', async () => {
      await h.driver.transferFailed({ userId: 'wangwu', externalUserId: ext, reason: 'customer_refused' });
      await queuesSettled(h);
      const d = await detail(ext);
      expect(d.timeline.find((e: any) => e.kind === 'transfer.failed').summary).toContain('客户拒绝');
    });
  });

  describe('customer groups', () => {
    it('create, add_member, del_member and dismiss', async () => {
      const known = (await h.driver.customerAddsRep({ userId: 'zhangsan', state: expo.state, customer: { name: '老客户' } })).externalUserId;
      await queuesSettled(h);
      const { chatId } = await h.driver.groupCreated({ owner: 'zhangsan', name: '上海展会交流群', members: ['zhangsan', known] });
      await queuesSettled(h);
      expect((await detail(known)).timeline.some((e: any) => e.kind === 'group.joined' && e.summary.includes('上海展会交流群'))).toBe(true);

      const newcomer = 'wmGroupNewcomer00000000000000001';
      h.sim.state.addExternalContact({ external_userid: newcomer, name: '群新人' });
      await h.driver.membersJoin(chatId, [newcomer, 'lisi'], 3, { retries: 2 });
      await queuesSettled(h);
      const d = await detail(newcomer);
      expect(d).toMatchObject({ source: 'group', ownerUserId: null });
      const joined = d.timeline.filter((e: any) => e.kind === 'group.joined');
      expect(joined).toHaveLength(1);
      expect(joined[0].summary).toContain('扫描群二维码');
      expect(joined[0].data.joinScene).toBe('qrcode');
      expect(await lead('lisi')).toBeNull(); // corp members are not leads

      await h.driver.membersLeave(chatId, [newcomer], 1);
      await h.driver.groupDismissed(chatId);
      await queuesSettled(h);
      expect((await detail(newcomer)).timeline.find((e: any) => e.kind === 'group.left').summary).toContain('被移出');
      const [group] = await h.runtime.ctx.dataSource.query(`SELECT status, name FROM group_chat WHERE chat_id = ?`, [chatId]);
      expect(group).toEqual({ status: 'dismissed', name: '上海展会交流群' });
    });
  });

  describe('corp tag sync', () => {
    it('change_external_tag re-reads the corp tag list', async () => {
      const tag = h.sim.state.addCorpTags({ groupName: '行业' }, [{ name: '教育' }]).tag[0];
      await h.driver.tagChanged({ id: tag.id, tagType: 'tag', changeType: 'create' });
      await queuesSettled(h);
      const rows = await h.runtime.ctx.dataSource.query(`SELECT name, group_name FROM corp_tag WHERE id = ?`, [tag.id]);
      expect(rows).toEqual([{ name: '教育', group_name: '行业' }]);
    });
  });

  describe('read API', () => {
    it('filters by channel, owner and tag, and pages with a keyset cursor', async () => {
      const all: any[] = [];
      let cursor: string | null = null;
      do {
        const r: any = await h.admin('GET', `/api/admin/leads?channelId=${expo.id}&limit=25${cursor ? `&cursor=${cursor}` : ''}`);
        expect(r.status).toBe(200);
        all.push(...r.body.items);
        cursor = r.body.nextCursor;
      } while (cursor);
      const expected = await h.runtime.ctx.dataSource.getRepository(Lead).countBy({ channelId: expo.id });
      expect(all).toHaveLength(expected);
      expect(new Set(all.map((l) => l.id)).size).toBe(expected);
      expect(all.map((l) => l.id)).toEqual([...all.map((l) => l.id)].sort((a, b) => b - a));
      expect(all[0]).toEqual(expect.objectContaining({ id: expect.any(Number), externalUserId: expect.any(String), ownerUserId: expect.any(String), channelId: expo.id, tags: expect.any(Array), stage: 'new', score: expect.any(Number), createdAt: expect.any(String) }));

      const byOwner = (await h.admin('GET', '/api/admin/leads?ownerUserId=lisi&limit=200')).body.items;
      expect(byOwner.length).toBeGreaterThan(0);
      expect(byOwner.every((l: any) => l.ownerUserId === 'lisi')).toBe(true);
      const byTag = (await h.admin('GET', `/api/admin/leads?tag=${encodeURIComponent('VIP')}`)).body.items;
      expect(byTag.map((l: any) => l.name)).toEqual(['资料变更后']);
      expect((await h.admin('GET', '/api/admin/leads?cursor=garbage')).status).toBe(400);
      expect((await h.admin('GET', '/api/admin/leads?limit=5000')).status).toBe(400);
      expect((await h.admin('GET', '/api/admin/leads/999999')).status).toBe(404);
    });

    it('channel stats: adds, leads and deletions by day', async () => {
      const r = await h.admin('GET', `/api/admin/channels/${expo.id}/stats`);
      expect(r.status).toBe(200);
      const leads = await h.runtime.ctx.dataSource.getRepository(Lead).countBy({ channelId: expo.id });
      const adds = await h.runtime.ctx.dataSource.getRepository(LeadRelation).countBy({ channelId: expo.id });
      const lost = await h.runtime.ctx.dataSource.getRepository(LeadRelation).countBy({ channelId: expo.id, status: 'lost' });
      expect(r.body.totals).toEqual({ adds, leads, deletions: lost });
      expect(lost).toBeGreaterThan(0);
      const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
      expect(r.body.byDay).toEqual([{ date: today, adds, leads, deletions: lost }]);
    });
  });
});

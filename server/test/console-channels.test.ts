import { AuditLog } from '../src/audit/audit-log.entity';
import { Channel } from '../src/channels/channel.entity';
import { Lead } from '../src/leads/lead.entity';
import { makeLead, makeMember, makeTeam } from './support/factories';
import { eventually, Harness, queuesSettled, startHarness } from './support/harness';
import { signInToConsole } from './support/console-session';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() + 8 * 3_600_000 - n * 86_400_000).toISOString().slice(0, 10);

/**
 * The console's channels (issue 12): admins create and edit channel QR codes through the admin
 * API's commands, audited under their name; admins and managers see them, their QR code image
 * (from the simulator's qr_code URL, as a PNG of our origin) and their numbers over time, a
 * manager's over their teams' leads only. Bad input is a 4xx with a Chinese message.
 */
describe('console channels', () => {
  let h: Harness;
  const sessions = new Map<string, { cookie: string; csrf: string }>();

  beforeAll(async () => {
    h = await startHarness({ runtime: { runScheduler: false } });
    await makeMember(h, 'op-admin', { name: '运营甲', roles: ['admin'] });
    await makeMember(h, 'rep-a', { name: '销售甲' });
    await makeMember(h, 'rep-b', { name: '销售乙' });
    await makeMember(h, 'rep-gone', { name: '已离职', status: 'left' });
    const team = await makeTeam(h, { name: '甲组', members: ['rep-a'] });
    await makeMember(h, 'boss-a', { name: '甲组主管', roles: ['manager'], managedTeamIds: [team.id] });
  });
  afterAll(async () => h?.close());

  /** Signs in through the simulated WeCom web login (as console-auth.test.ts does) and keeps the cookie and CSRF token. */
  async function session(userId: string): Promise<{ cookie: string; csrf: string }> {
    const known = sessions.get(userId);
    if (known) return known;
    const { cookie, csrfToken } = await signInToConsole(h, userId);
    const found = { cookie, csrf: csrfToken };
    sessions.set(userId, found);
    return found;
  }

  async function call(userId: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
    const { cookie, csrf } = await session(userId);
    const r = await fetch(`${h.url}/api/console${path}`, {
      method,
      headers: { cookie, ...(method === 'GET' ? {} : { 'x-csrf-token': csrf }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: r.status, body: parsed, headers: r.headers };
  }

  const image = async (userId: string, path: string) => {
    const r = await fetch(`${h.url}/api/console${path}`, { headers: { cookie: (await session(userId)).cookie } });
    return { status: r.status, headers: r.headers, bytes: Buffer.from(await r.arrayBuffer()) };
  };

  const audits = (action: string) => h.runtime.ctx.dataSource.getRepository(AuditLog).find({ where: { action: action as never }, order: { id: 'ASC' } });

  it('an admin creates a channel with reps, tags and a welcome text: WeCom makes the code, the reply names the reps, the audit row names the admin', async () => {
    const created = await call('op-admin', 'POST', '/channels', {
      name: '上海展会',
      userIds: ['rep-a', 'rep-b'],
      tags: ['展会', '上海'],
      welcomeText: '您好，欢迎来到我们的展台！',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: '上海展会',
      userIds: ['rep-a', 'rep-b'],
      reps: [
        { userId: 'rep-a', name: '销售甲' },
        { userId: 'rep-b', name: '销售乙' },
      ],
      tags: ['展会', '上海'],
      welcomeText: '您好，欢迎来到我们的展台！',
      welcomeMiniprogram: null,
    });
    const way = h.sim.state.contactWays.get(created.body.configId)!;
    expect(way).toMatchObject({ type: 2, scene: 2, user: ['rep-a', 'rep-b'], state: created.body.state });

    const [row] = await audits('channel.create');
    expect(row).toMatchObject({ actorUserId: 'op-admin', leadId: null, purpose: '创建渠道「上海展会」' });
    expect(row.detail).toMatchObject({ channelId: created.body.id });

    const list = await call('op-admin', 'GET', '/channels');
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: any) => c.name)).toContain('上海展会');
  });

  it('a channel can greet with a mini-program card instead of a text', async () => {
    const card = { title: '展会资料', appid: 'wx1234567890abcdef', page: 'pages/expo/index', picMediaId: 'MEDIA_ID_1' };
    const r = await call('op-admin', 'POST', '/channels', { name: '小程序卡片渠道', userIds: ['rep-a'], welcomeMiniprogram: card });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ welcomeText: null, welcomeMiniprogram: card });
  });

  it('the QR code is served from our origin as a PNG, and downloads as 渠道-<name>.png', async () => {
    const channel = (await call('op-admin', 'POST', '/channels', { name: '门店/海报:春季', userIds: ['rep-a'] })).body;
    const shown = await image('op-admin', `/channels/${channel.id}/qr-code`);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toBe('image/png');
    expect([...shown.bytes.subarray(0, 8)]).toEqual(PNG_MAGIC);
    expect(shown.headers.get('content-disposition')).toBeNull();

    const saved = await image('op-admin', `/channels/${channel.id}/qr-code?download=1`);
    expect(saved.status).toBe(200);
    expect([...saved.bytes.subarray(0, 8)]).toEqual(PNG_MAGIC);
    const disposition = saved.headers.get('content-disposition')!;
    expect(disposition).toMatch(/^attachment; filename="channel-\d+\.png"; filename\*=UTF-8''/);
    // The slash and colon cannot be in a file name.
    expect(decodeURIComponent(disposition.split("UTF-8''")[1])).toBe('渠道-门店_海报_春季.png');
    // A manager may download it too: it is what they hand out.
    expect((await image('boss-a', `/channels/${channel.id}/qr-code`)).status).toBe(200);
  });

  it('a QR code WeCom cannot hand over (gone, not an image, unreachable) is a 502 that says so in Chinese; a channel without one is 404', async () => {
    const channel = (await call('op-admin', 'POST', '/channels', { name: '图片测试', userIds: ['rep-a'] })).body;
    const repo = h.runtime.ctx.dataSource.getRepository(Channel);
    const original = (await repo.findOneByOrFail({ id: channel.id })).qrCode!;
    for (const url of [`${h.sim.baseUrl}/wwpic/sim/not-a-config/0`, `${h.sim.baseUrl}/cgi-bin/gettoken`, 'http://127.0.0.1:9/nothing-here', 'ftp://example.com/qr.png']) {
      await repo.update({ id: channel.id }, { qrCode: url });
      const r = await call('op-admin', 'GET', `/channels/${channel.id}/qr-code`);
      expect({ url, status: r.status, error: r.body.error }).toEqual({ url, status: 502, error: 'qr_code_unavailable' });
      expect(r.body.message).toBe('暂时无法从企业微信取得二维码图片，请稍后重试');
    }
    await repo.update({ id: channel.id }, { qrCode: null });
    const none = await call('op-admin', 'GET', `/channels/${channel.id}/qr-code`);
    expect(none.status).toBe(404);
    expect(none.body.message).toBe('该渠道没有二维码');
    await repo.update({ id: channel.id }, { qrCode: original });
  });

  it('an admin edits name, tags and welcome; WeCom gets the new name and reps; the audit row lists what changed', async () => {
    const channel = (await call('op-admin', 'POST', '/channels', { name: '旧名称', userIds: ['rep-a', 'rep-b'], tags: ['旧标签'] })).body;
    const edited = await call('op-admin', 'PATCH', `/channels/${channel.id}`, { name: '新名称', userIds: ['rep-b', 'rep-a'], tags: ['新标签'], welcomeText: '欢迎！' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ name: '新名称', userIds: ['rep-b', 'rep-a'], tags: ['新标签'], welcomeText: '欢迎！' });
    expect(h.sim.state.contactWays.get(channel.configId)).toMatchObject({ remark: '新名称', user: ['rep-b', 'rep-a'] });
    const rows = (await audits('channel.update')).filter((r) => (r.detail as { channelId: number }).channelId === channel.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actorUserId: 'op-admin', purpose: '修改渠道「新名称」：名称、接待成员、标签、欢迎语' });

    // Clearing the welcome text: null.
    const cleared = await call('op-admin', 'PATCH', `/channels/${channel.id}`, { welcomeText: null });
    expect(cleared.body.welcomeText).toBeNull();
  });

  it('bad input is a 400 with a Chinese message, and nothing is made', async () => {
    const before = await h.runtime.ctx.dataSource.getRepository(Channel).count();
    const cases: Array<[unknown, RegExp]> = [
      [{}, /^输入有误：渠道名称必须填写；接待成员必须填写$/],
      [{ name: '  ', userIds: ['rep-a'] }, /渠道名称不能为空/],
      [{ name: 'x'.repeat(101), userIds: ['rep-a'] }, /渠道名称最多 100 个字/],
      [{ name: '无成员', userIds: [] }, /接待成员至少选择 1 个/],
      [{ name: '标签太长', userIds: ['rep-a'], tags: ['长'.repeat(31)] }, /标签最多 30 个字/],
      [{ name: '欢迎语太长', userIds: ['rep-a'], welcomeText: '长'.repeat(1400) }, /欢迎语过长/],
      [{ name: '卡片不全', userIds: ['rep-a'], welcomeMiniprogram: { title: '缺字段' } }, /小程序 AppID必须填写/],
      [{ name: '类型错', userIds: 'rep-a' }, /接待成员格式不正确/],
      [{ name: '未知成员', userIds: ['nobody', 'rep-gone'] }, /^以下接待成员不存在或已停用：nobody、rep-gone$/],
    ];
    for (const [body, message] of cases) {
      const r = await call('op-admin', 'POST', '/channels', body);
      expect({ body, status: r.status, error: r.body.error }).toEqual({ body, status: 400, error: 'validation_failed' });
      expect(r.body.message).toMatch(message);
    }
    // Not JSON at all.
    const { cookie, csrf } = await session('op-admin');
    const broken = await fetch(`${h.url}/api/console/channels`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: '{"name":' });
    expect(broken.status).toBe(400);
    expect(await h.runtime.ctx.dataSource.getRepository(Channel).count()).toBe(before);

    const channel = (await call('op-admin', 'POST', '/channels', { name: '单人', userIds: ['rep-a'] })).body;
    const toMulti = await call('op-admin', 'PATCH', `/channels/${channel.id}`, { userIds: ['rep-a', 'rep-b'] });
    expect(toMulti.status).toBe(400);
    expect(toMulti.body.message).toBe('单人渠道不能改为多人渠道（多人也不能改为单人），请新建一个渠道');
    const nothing = await call('op-admin', 'PATCH', `/channels/${channel.id}`, {});
    expect(nothing.status).toBe(400);
    expect(nothing.body.message).toBe('没有要修改的内容');

    for (const path of ['/channels/999999', '/channels/999999/stats', '/channels/999999/qr-code']) {
      const r = await call('op-admin', 'GET', path);
      expect({ path, status: r.status, message: r.body.message }).toEqual({ path, status: 404, message: '渠道不存在或已删除' });
    }
    for (const path of ['/channels/abc', '/channels/-1/stats', `/channels/${channel.id}/stats?from=2026-02-30`, `/channels/${channel.id}/stats?from=2026-03-02&to=2026-03-01`, `/channels/${channel.id}/stats?from=2024-01-01&to=2026-01-01`]) {
      const r = await call('op-admin', 'GET', path);
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
      expect(r.body.message).toMatch(/^[\u4e00-\u9fff]/);
    }
  });

  it('WeCom refusing the code is a Chinese message the operator can act on, and leaves no channel', async () => {
    const before = await h.runtime.ctx.dataSource.getRepository(Channel).count();
    h.sim.faults.inject({ path: 'externalcontact/add_contact_way', errcode: 60020 });
    const r = await call('op-admin', 'POST', '/channels', { name: 'IP 未受信', userIds: ['rep-a'] });
    expect(r.status).toBe(502);
    expect(r.body.message).toContain('企业可信 IP');
    expect(await h.runtime.ctx.dataSource.getRepository(Channel).count()).toBe(before);
  });

  it('a manager reads channels but cannot create or edit them; writes need the CSRF header', async () => {
    const channel = (await call('op-admin', 'POST', '/channels', { name: '主管只读', userIds: ['rep-a'] })).body;
    expect((await call('boss-a', 'GET', '/channels')).status).toBe(200);
    expect((await call('boss-a', 'GET', `/channels/${channel.id}`)).body.name).toBe('主管只读');
    for (const [method, path, body] of [
      ['POST', '/channels', { name: '主管新建', userIds: ['rep-a'] }],
      ['PATCH', `/channels/${channel.id}`, { name: '主管改名' }],
      ['GET', '/channels/form-options', undefined],
    ] as const) {
      const r = await call('boss-a', method, path, body);
      expect({ method, path, status: r.status, message: r.body.message }).toEqual({ method, path, status: 403, message: '只有管理员可以进行此操作' });
    }
    expect((await h.runtime.ctx.dataSource.getRepository(Channel).findOneByOrFail({ id: channel.id })).name).toBe('主管只读');

    const { cookie } = await session('op-admin');
    const forged = await fetch(`${h.url}/api/console/channels`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ name: '伪造', userIds: ['rep-a'] }) });
    expect(forged.status).toBe(403);
  });

  it('the form offers the active members and the corp tags', async () => {
    const r = await call('op-admin', 'GET', '/channels/form-options');
    expect(r.status).toBe(200);
    const ids = r.body.members.map((m: any) => m.userId);
    expect(ids).toEqual(expect.arrayContaining(['rep-a', 'rep-b', 'op-admin']));
    expect(ids).not.toContain('rep-gone');
    expect(r.body.members.find((m: any) => m.userId === 'rep-a')).toEqual({ userId: 'rep-a', name: '销售甲', roles: ['rep'] });
    expect(r.body.tags.map((t: any) => t.name)).toEqual(expect.arrayContaining(['展会', '上海']));
  });

  it('stats over time: adds, leads and each day’s conversion, every day of the range; a manager sees their team’s leads only', async () => {
    const channel = (await call('op-admin', 'POST', '/channels', { name: '统计渠道', userIds: ['rep-a', 'rep-b'] })).body;
    // Two customers scan the code and add rep-a, one adds rep-b: real capture through the callback.
    for (const userId of ['rep-a', 'rep-a', 'rep-b']) await h.driver.customerAddsRep({ userId, state: channel.state });
    await queuesSettled(h);
    const ds = h.runtime.ctx.dataSource;
    await eventually(async () => (await ds.getRepository(Lead).countBy({ channelId: channel.id })) === 3);
    // One of rep-a's leads is won; an older won lead of rep-b's, five days ago.
    const [first] = await ds.getRepository(Lead).find({ where: { channelId: channel.id, ownerUserId: 'rep-a' }, order: { id: 'ASC' } });
    await ds.getRepository(Lead).update({ id: first.id }, { stage: 'won' });
    await makeLead(ds, { channelId: channel.id, ownerUserId: 'rep-b', stage: 'won', createdAt: Date.now() - 5 * 86_400_000 });

    const range = `?from=${daysAgo(6)}&to=${today()}`;
    const admin = await call('op-admin', 'GET', `/channels/${channel.id}/stats${range}`);
    expect(admin.status).toBe(200);
    expect(admin.body).toMatchObject({ channelId: channel.id, from: daysAgo(6), to: today(), timezone: 'Asia/Shanghai' });
    expect(admin.body.byDay.map((d: any) => d.date)).toEqual([6, 5, 4, 3, 2, 1, 0].map(daysAgo));
    expect(admin.body.totals).toEqual({ adds: 3, leads: 4, deletions: 0, won: 2, conversionRate: 0.5 });
    expect(admin.body.byDay.at(-1)).toEqual({ date: today(), adds: 3, leads: 3, deletions: 0, won: 1, conversionRate: 0.3333 });
    expect(admin.body.byDay[1]).toEqual({ date: daysAgo(5), adds: 0, leads: 1, deletions: 0, won: 1, conversionRate: 1 });
    expect(admin.body.byDay[0]).toEqual({ date: daysAgo(6), adds: 0, leads: 0, deletions: 0, won: 0, conversionRate: null });

    const manager = await call('boss-a', 'GET', `/channels/${channel.id}/stats${range}`);
    expect(manager.status).toBe(200);
    expect(manager.body.totals).toEqual({ adds: 2, leads: 2, deletions: 0, won: 1, conversionRate: 0.5 });

    // Without a range: the last year up to today.
    const open = await call('op-admin', 'GET', `/channels/${channel.id}/stats`);
    expect(open.body.to).toBe(today());
    expect(open.body.totals.leads).toBe(4);
  });

  it('no session, no channels', async () => {
    expect((await fetch(`${h.url}/api/console/channels`)).status).toBe(401);
    expect((await fetch(`${h.url}/api/console/channels/1/qr-code`)).status).toBe(401);
  });
});

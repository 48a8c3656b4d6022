import { makeMember } from './support/factories';
import { CORP, eventually, Harness, queuesSettled, startHarness } from './support/harness';
import { signInToConsole } from './support/console-session';

/**
 * The console's operations area and setup check (issue 12), admin only: the queues and their dead
 * letters with replay (audited under the member), and 「接入检查」 asking the simulated WeCom,
 * which plays each failure: 60020 (on gettoken too), 48002, 84074, a wrong secret, a callback URL
 * never verified, reps without customer contact.
 */

interface Check {
  key: string;
  title: string;
  status: 'ok' | 'warning' | 'failed';
  found: string;
  fix: string | null;
  details?: Record<string, any>;
}


/** A console session through the simulated WeCom web login: the cookie and the CSRF token. */
async function consoleSession(h: Harness, userId: string): Promise<{ cookie: string; csrf: string }> {
  const { cookie, csrfToken } = await signInToConsole(h, userId);
  return { cookie, csrf: csrfToken };
}

function consoleApi(h: Harness, session: { cookie: string; csrf: string }) {
  return async (method: string, path: string, init: { csrf?: boolean } = {}) => {
    const headers: Record<string, string> = { cookie: session.cookie };
    if (method !== 'GET' && init.csrf !== false) headers['x-csrf-token'] = session.csrf;
    const r = await fetch(`${h.url}/api/console${path}`, { method, headers });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
}

const byKey = (items: Check[]) => Object.fromEntries(items.map((i) => [i.key, i])) as Record<string, Check>;

describe('console operations and setup check', () => {
  let h: Harness;
  let admin: ReturnType<typeof consoleApi>;
  let manager: ReturnType<typeof consoleApi>;

  beforeAll(async () => {
    h = await startHarness({ runtime: { runScheduler: false } });
    await makeMember(h, 'op-admin', { name: '运营甲', roles: ['admin'] });
    await makeMember(h, 'boss', { name: '主管乙', roles: ['manager'] });
    await makeMember(h, 'rep-a', { name: '销售甲', roles: ['rep'] });
    await makeMember(h, 'rep-b', { name: '销售乙', roles: ['rep'] });
    admin = consoleApi(h, await consoleSession(h, 'op-admin'));
    manager = consoleApi(h, await consoleSession(h, 'boss'));
  });
  afterAll(async () => h?.close());
  afterEach(() => h.sim.faults.clear());

  const check = async () => {
    const r = await admin('GET', '/setup-check');
    expect(r.status).toBe(200);
    return r.body as { status: string; checkedAt: string; items: Check[] };
  };

  it('is for admins: a manager gets 403 with the reason, a stranger 401', async () => {
    for (const [method, path] of [
      ['GET', '/operations/queues'],
      ['GET', '/operations/items?queue=jobs&status=dead'],
      ['POST', '/operations/inbox/1/replay'],
      ['GET', '/setup-check'],
    ]) {
      const r = await manager(method, path);
      expect(r.status).toBe(403);
      expect(r.body.message).toBe('只有管理员可以进行此操作');
      expect((await fetch(`${h.url}/api/console${path}`, { method })).status).toBe(401);
    }
  });

  it('flags a callback URL WeCom never verified, with the address to enter; then verified but silent; then ok once a callback arrives', async () => {
    const never = byKey((await check()).items).callback;
    expect(never.status).toBe('failed');
    expect(never.found).toContain('从未验证');
    expect(never.fix).toContain(`${h.url}/wecom/callback`);
    expect(never.fix).toContain('WECOM_CALLBACK_TOKEN');

    // WeCom verifies the URL when the admin saves it: the signed GET with echostr.
    expect((await h.driver.verifyUrl()).ok).toBe(true);
    const silent = await eventually(async () => {
      const c = byKey((await check()).items).callback;
      return c.status === 'warning' ? c : null;
    });
    expect(silent.found).toContain('还没有收到任何回调事件');
    expect(silent.details!.verifiedAt).toEqual(expect.any(String));

    await h.driver.customerAddsRep({ userId: 'rep-a', customer: { name: '回调客户' } });
    const ok = byKey((await check()).items).callback;
    expect(ok.status).toBe('ok');
    expect(ok.found).toMatch(/最近一次回调事件到达于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(ok.fix).toBeNull();
  });

  it('all green on a well set-up corp: both secrets get tokens, calls are accepted, the reps have customer contact, tags are readable', async () => {
    await h.admin('POST', '/api/admin/channels', { name: '标签渠道', userIds: ['rep-a'], tags: ['展会'] });
    const report = await check();
    expect(report.items.map((i) => i.key)).toEqual(['contact_token', 'agent_token', 'trusted_ip', 'contact_permission', 'callback', 'follow_users', 'corp_tags', 'chat_archive']);
    for (const item of report.items) {
      expect({ key: item.key, status: item.status }).toEqual({ key: item.key, status: 'ok' });
      expect(item.fix).toBeNull();
    }
    expect(report.status).toBe('ok');
    const items = byKey(report.items);
    expect(items.follow_users.found).toContain('2 名销售都在其中');
    expect(items.corp_tags.details).toMatchObject({ groups: expect.any(Number) });
    // It asked WeCom now: a fresh token for each secret, not the service's cached ones.
    const tokens = h.sim.callsTo('gettoken').filter((c) => c.errcode === 0).length;
    await check();
    expect(h.sim.callsTo('gettoken').filter((c) => c.errcode === 0).length).toBe(tokens + 2);
  });

  it('60020 on an API call: the IP check fails naming the address from WeCom and where to add it', async () => {
    h.sim.faults.inject({
      path: 'externalcontact/get_follow_user_list',
      errcode: 60020,
      errmsg: 'not allow to access from your ip, hint: [1733000000_12_abc], from ip: 203.0.113.7, more info at https://open.work.weixin.qq.com/devtool/query?e=60020',
    });
    const report = await check();
    const items = byKey(report.items);
    expect(report.status).toBe('failed');
    expect(items.trusted_ip).toMatchObject({ status: 'failed', details: { errcode: 60020, ip: '203.0.113.7' } });
    expect(items.trusted_ip.found).toContain('203.0.113.7');
    expect(items.trusted_ip.fix).toBe('在企业微信管理后台 → 应用管理 → 自建应用 → 企业可信IP 中加入本服务器的出口 IP 203.0.113.7，保存后重新检查');
    // What the refused call would have shown cannot be judged: it points to the IP.
    expect(items.contact_permission.status).toBe('warning');
    expect(items.follow_users.status).toBe('warning');
    expect(items.contact_token.status).toBe('ok');
  });

  it('60020 on gettoken itself (the simulator’s faults apply to gettoken): no token for either secret, and the IP check fails', async () => {
    h.sim.faults.inject({ path: 'gettoken', errcode: 60020, errmsg: 'not allow to access from your ip, from ip: 198.51.100.20', times: 2 });
    const items = byKey((await check()).items);
    expect(items.contact_token.status).toBe('failed');
    expect(items.contact_token.found).toContain('错误码 60020');
    expect(items.agent_token.status).toBe('failed');
    expect(items.trusted_ip).toMatchObject({ status: 'failed', details: { ip: '198.51.100.20' } });
    expect(items.corp_tags.status).toBe('failed');
  });

  it('48002 (since 2023-12 the 客户联系 secret cannot call these APIs): names the fix, the app added to 可调用接口的应用', async () => {
    h.sim.faults.inject({ path: 'externalcontact/get_follow_user_list', errcode: 48002, errmsg: 'api forbidden' });
    h.sim.faults.inject({ path: 'externalcontact/get_corp_tag_list', errcode: 48002, errmsg: 'api forbidden' });
    const items = byKey((await check()).items);
    expect(items.contact_permission).toMatchObject({ status: 'failed', details: { errcode: 48002 } });
    expect(items.contact_permission.found).toContain('错误码 48002');
    expect(items.contact_permission.fix).toContain('自 2023 年 12 月起');
    expect(items.contact_permission.fix).toContain('客户联系 → API → 可调用接口的应用');
    expect(items.corp_tags.status).toBe('failed');
    // The IP was accepted: WeCom answered the calls.
    expect(items.trusted_ip.status).toBe('ok');
  });

  it('84074: no customer-contact permission, with the fix', async () => {
    h.sim.faults.inject({ path: 'externalcontact/get_follow_user_list', errcode: 84074, errmsg: 'no external contact permission' });
    const items = byKey((await check()).items);
    expect(items.contact_permission).toMatchObject({ status: 'failed', details: { errcode: 84074 } });
    expect(items.contact_permission.found).toContain('没有客户联系权限');
    expect(items.contact_permission.fix).toContain('权限配置');
  });

  it('a rep without customer contact is named', async () => {
    h.sim.state.setCustomerContact('rep-b', false);
    try {
      const items = byKey((await check()).items);
      expect(items.follow_users.status).toBe('warning');
      expect(items.follow_users.found).toContain('1 名销售没有开通客户联系');
      expect(items.follow_users.found).toContain('销售乙');
      expect(items.follow_users.details!.missing).toEqual([{ userId: 'rep-b', name: '销售乙' }]);
      expect(items.follow_users.fix).toContain('使用范围');
    } finally {
      h.sim.state.setCustomerContact('rep-b', true);
    }
  });

  it('a dead letter is listed in Chinese, replayed once under the member’s name, and leaves the dead list', async () => {
    const { externalUserId } = await h.driver.customerAddsRep({ userId: 'rep-a', customer: { name: '死信客户' } });
    await queuesSettled(h);
    // The rep edits the customer's remark, and WeCom refuses for good to let us re-read it: the
    // edit's inbox event dies at once.
    h.sim.faults.inject({ path: 'externalcontact/get', errcode: 84074, errmsg: 'no external contact permission' });
    await h.driver.customerEdited({ userId: 'rep-a', externalUserId, remark: '老客户' });
    const dead = await eventually(async () => {
      const r = await admin('GET', '/operations/items?queue=inbox&status=dead');
      expect(r.status).toBe(200);
      return r.body.items.length ? r.body : null;
    });
    expect(dead.total).toBe(1);
    const row = dead.items[0];
    expect(row).toMatchObject({
      queue: 'inbox',
      kind: 'contact.edited',
      kindLabel: '客户资料变更',
      status: 'dead',
      replayable: true,
      error: { errcode: 84074, summary: '企业微信「读取客户详情」失败：错误码 84074：没有客户联系权限' },
    });
    const counts = await admin('GET', '/operations/queues');
    expect(counts.body.inbox.dead).toBe(1);

    // State-changing: the CSRF header is required.
    expect((await admin('POST', `/operations/inbox/${row.id}/replay`, { csrf: false })).status).toBe(403);
    const replay = await admin('POST', `/operations/inbox/${row.id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ id: row.id, queue: 'inbox', status: 'pending' });
    const again = await admin('POST', `/operations/inbox/${row.id}/replay`);
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('不是死信');

    await eventually(async () => (await admin('GET', '/operations/items?queue=inbox&status=done')).body.items.some((i: { id: number }) => i.id === row.id));
    expect((await admin('GET', '/operations/items?queue=inbox&status=dead')).body).toMatchObject({ items: [], total: 0 });
    // The replay did what the edit asked: the remark is on the lead's relation.
    const [relation] = await h.runtime.ctx.dataSource.query(
      'SELECT r.remark FROM lead_relation r JOIN lead l ON l.id = r.lead_id WHERE l.external_user_id = ? AND r.user_id = ?',
      [externalUserId, 'rep-a'],
    );
    expect(relation.remark).toBe('老客户');
    // Audited under the member, not 管理员.
    const audit = await h.admin('GET', '/api/admin/audit?action=queue.replay');
    expect(audit.body.items).toEqual([expect.objectContaining({ action: 'queue.replay', actorUserId: 'op-admin', purpose: `重新处理死信（回调事件 #${row.id}）` })]);
  });

  it('pages on the server; a welcome cannot be replayed; bad input is a 400 in Chinese', async () => {
    const page = await admin('GET', '/operations/items?queue=inbox&page=1&pageSize=1');
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.total).toBeGreaterThanOrEqual(2);
    const second = await admin('GET', '/operations/items?queue=inbox&page=2&pageSize=1');
    expect(second.body.items[0].id).toBeLessThan(page.body.items[0].id);

    const welcome = await admin('POST', '/operations/welcomes/1/replay');
    expect(welcome.status).toBe(400);
    expect(welcome.body.message).toContain('欢迎语无法重新发送');
    for (const path of ['/operations/items?queue=nope', '/operations/items?status=bogus', '/operations/items?page=0', '/operations/items?pageSize=1000']) {
      const r = await admin('GET', path);
      expect(r.status).toBe(400);
      expect(r.body.message).toMatch(/^查询条件不正确/);
    }
    for (const path of ['/operations/inbox/abc/replay', '/operations/inbox/0/replay', '/operations/other/1/replay']) {
      const r = await admin('POST', path);
      expect(r.status).toBe(400);
      expect(r.body.message).toContain('没有这条记录');
    }
    expect((await admin('POST', '/operations/jobs/999999/replay')).status).toBe(409);
  });
});

describe('setup check with a secret WeCom does not know', () => {
  let h: Harness;
  beforeAll(async () => {
    // WeCom knows only the app's secret: the configured 客户联系 secret is wrong.
    h = await startHarness({ runtime: { runScheduler: false }, simulator: { secrets: [CORP.agentSecret] } });
    await makeMember(h, 'op-admin', { name: '运营甲', roles: ['admin'] });
  });
  afterAll(async () => h?.close());

  it('no token for the wrong secret, with where to find the right one; what needs it is not judged or fails', async () => {
    const admin = consoleApi(h, await consoleSession(h, 'op-admin'));
    const r = await admin('GET', '/setup-check');
    expect(r.status).toBe(200);
    const items = byKey(r.body.items);
    expect(items.contact_token).toMatchObject({ status: 'failed', details: { errcode: 40001 } });
    expect(items.contact_token.found).toContain('错误码 40001：Secret 不正确');
    expect(items.contact_token.fix).toContain('WECOM_CONTACT_SECRET');
    expect(items.agent_token.status).toBe('ok');
    // The app's own call got through, so the IP is trusted.
    expect(items.trusted_ip.status).toBe('ok');
    expect(items.contact_permission.status).toBe('warning');
    expect(items.corp_tags.status).toBe('failed');
    expect(r.body.status).toBe('failed');
  });
});

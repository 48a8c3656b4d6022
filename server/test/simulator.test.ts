import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { CallbackCrypto } from '../src/wecom/crypto';
import { parseCallback, parseEnvelope } from '../src/wecom/events';
import { WECOM_FREQUENCY_LIMITS, WecomDriver, WecomSimulator } from '../src/wecom/simulator';

const CORP = 'wwsimcorp0000001';
const SECRET = 'contact-secret';
const APP_SECRET = 'app-secret';
const TOKEN = 'QDG6eK';
const AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';

let clock: number;
const now = () => clock;
const advance = (seconds: number) => {
  clock += seconds * 1000;
};

let sim: WecomSimulator;

type Json = Record<string, any>;

async function call(path: string, opts: { query?: Record<string, string>; body?: unknown; method?: string } = {}): Promise<Json> {
  const url = new URL(`/cgi-bin/${path}`, sim.baseUrl);
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
  const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
  const response = await fetch(url, {
    method,
    headers: opts.body === undefined ? undefined : { 'content-type': 'application/json' },
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  expect(response.status).toBe(200); // WeCom answers 200 even for errors.
  return (await response.json()) as Json;
}

async function getToken(secret = SECRET): Promise<string> {
  const reply = await call('gettoken', { query: { corpid: CORP, corpsecret: secret } });
  expect(reply.errcode).toBe(0);
  return reply.access_token as string;
}

/** POST with a fresh token. */
async function post(path: string, body: unknown, token?: string): Promise<Json> {
  return call(path, { query: { access_token: token ?? (await getToken()) }, body });
}

beforeEach(async () => {
  clock = Date.UTC(2025, 0, 6, 2, 0, 0);
  sim = await WecomSimulator.start({
    corpId: CORP,
    secrets: [SECRET, APP_SECRET],
    agentId: 1000005,
    now,
    members: [
      { userid: 'zhangsan', name: '张三' },
      { userid: 'lisi', name: '李四' },
    ],
  });
});

afterEach(async () => {
  await sim.close();
});

describe('access tokens', () => {
  it('issues tokens per secret and rejects a wrong corpid or secret', async () => {
    const ok = await call('gettoken', { query: { corpid: CORP, corpsecret: SECRET } });
    expect(ok).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 7200 });
    expect(typeof ok.access_token).toBe('string');
    expect((await call('gettoken', { query: { corpid: 'wwother', corpsecret: SECRET } })).errcode).toBe(40013);
    expect((await call('gettoken', { query: { corpid: CORP, corpsecret: 'nope' } })).errcode).toBe(40001);
    expect(await getToken(APP_SECRET)).not.toBe(ok.access_token);
  });

  it('keeps earlier unexpired tokens valid and expires them after the TTL', async () => {
    const first = await getToken();
    advance(3600);
    const second = await getToken();
    expect(second).not.toBe(first);
    expect((await call('externalcontact/get_follow_user_list', { query: { access_token: first } })).errcode).toBe(0);
    advance(3600);
    expect((await call('externalcontact/get_follow_user_list', { query: { access_token: first } })).errcode).toBe(42001);
    expect((await call('externalcontact/get_follow_user_list', { query: { access_token: second } })).errcode).toBe(0);
  });

  it('answers 41001 without a token, 40014 for an unknown one, and supports expiring/revoking all', async () => {
    expect((await call('externalcontact/get_follow_user_list')).errcode).toBe(41001);
    expect((await call('externalcontact/get_follow_user_list', { query: { access_token: 'bogus' } })).errcode).toBe(40014);
    const token = await getToken();
    sim.expireTokens();
    expect((await call('externalcontact/get_follow_user_list', { query: { access_token: token } })).errcode).toBe(42001);
    const fresh = await getToken();
    sim.revokeTokens();
    expect((await call('externalcontact/get_follow_user_list', { query: { access_token: fresh } })).errcode).toBe(40014);
  });

  it('answers 48001 for unknown paths and 43002 for GET on a POST API', async () => {
    const token = await getToken();
    const unknown = await call('externalcontact/no_such_api', { query: { access_token: token } });
    expect(unknown.errcode).toBe(48001);
    expect(unknown.errmsg).toMatch(/does not implement/);
    expect((await call('externalcontact/mark_tag', { query: { access_token: token } })).errcode).toBe(43002);
    expect((await call('externalcontact/mark_tag', { query: { access_token: token }, body: '{not json' })).errcode).toBe(47001);
  });
});

describe('call record', () => {
  it('records calls without secrets or tokens', async () => {
    const token = await getToken();
    await post('externalcontact/mark_tag', { userid: 'nobody', external_userid: 'x', add_tag: ['et1'] }, token);
    const text = JSON.stringify(sim.calls);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(token);
    expect(sim.callsTo('gettoken')[0].query).toEqual({ corpid: CORP, corpsecret: '***' });
    const [mark] = sim.callsTo('externalcontact/mark_tag');
    expect(mark).toMatchObject({ method: 'POST', query: { access_token: '***' }, errcode: 40003, at: clock });
    expect(mark.body).toMatchObject({ userid: 'nobody' });
    expect(sim.successfulCalls('gettoken')).toHaveLength(1);
    sim.resetCalls();
    expect(sim.calls).toHaveLength(0);
  });

  it('keeps a bounded number of records', async () => {
    const small = await WecomSimulator.start({ corpId: CORP, secrets: [SECRET], maxCallRecords: 10 });
    try {
      for (let i = 0; i < 30; i++) await fetch(`${small.baseUrl}/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`);
      expect(small.calls.length).toBeGreaterThanOrEqual(10);
      expect(small.calls.length).toBeLessThanOrEqual(11);
    } finally {
      await small.close();
    }
  });
});

describe('frequency limits (wecom-reference.md §8)', () => {
  it('defaults to the published per-API limits: 10,000/min and 150,000/h per corp, 20,000/min and 600,000/h per IP', () => {
    expect(sim.frequency.limits.map(({ scope, limit, windowMs, blockMs }) => ({ scope, limit, windowMs, blockMs }))).toEqual([
      { scope: 'corp', limit: 10_000, windowMs: 60_000, blockMs: 60_000 },
      { scope: 'corp', limit: 150_000, windowMs: 3_600_000, blockMs: 3_600_000 },
      { scope: 'ip', limit: 20_000, windowMs: 60_000, blockMs: 60_000 },
      { scope: 'ip', limit: 600_000, windowMs: 3_600_000, blockMs: 3_600_000 },
    ]);
    expect(WECOM_FREQUENCY_LIMITS).toHaveLength(4);
  });

  describe('with a small configured limit', () => {
    let limited: WecomSimulator;
    let token: string;
    const list = async () => {
      const response = await fetch(`${limited.baseUrl}/cgi-bin/externalcontact/get_follow_user_list?access_token=${token}`);
      return ((await response.json()) as Json).errcode as number;
    };

    beforeEach(async () => {
      limited = await WecomSimulator.start({
        corpId: CORP,
        secrets: [SECRET],
        now,
        members: [{ userid: 'zhangsan' }],
        frequencyLimits: [{ name: 'corp 3/s', scope: 'corp', limit: 3, windowMs: 1000, blockMs: 5000 }],
      });
      const reply = await fetch(`${limited.baseUrl}/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`);
      token = ((await reply.json()) as Json).access_token as string;
    });

    afterEach(async () => {
      await limited.close();
    });

    it('answers 45009 past the limit and keeps the API blocked for the block time', async () => {
      expect([await list(), await list(), await list(), await list()]).toEqual([0, 0, 0, 45009]);
      // The window has passed, but the block (5 s) has not: still refused, and refusals do not extend it.
      advance(2);
      expect(await list()).toBe(45009);
      advance(3);
      expect(await list()).toBe(0);
    });

    it('windows slide: a call counts for exactly the window after it arrived', async () => {
      expect(await list()).toBe(0);
      advance(0.5);
      expect([await list(), await list()]).toEqual([0, 0]);
      // 1000 ms after the first call it has left the window: room for exactly one more.
      advance(0.5);
      expect([await list(), await list()]).toEqual([0, 45009]);
    });

    it('counts each API separately, gettoken included, and leaves message/send out (§8: app messages have their own limits)', async () => {
      expect([await list(), await list(), await list()]).toEqual([0, 0, 0]);
      const tagList = await fetch(`${limited.baseUrl}/cgi-bin/externalcontact/get_corp_tag_list?access_token=${token}`, { method: 'POST', body: '{}' });
      expect(((await tagList.json()) as Json).errcode).toBe(0);
      const send = () =>
        fetch(`${limited.baseUrl}/cgi-bin/message/send?access_token=${token}`, {
          method: 'POST',
          body: JSON.stringify({ touser: 'zhangsan', msgtype: 'text', agentid: 1000002, text: { content: 'hi' } }),
        }).then(async (r) => ((await r.json()) as Json).errcode);
      expect([await send(), await send(), await send(), await send(), await send()]).toEqual([0, 0, 0, 0, 0]);
      const gettoken = () => fetch(`${limited.baseUrl}/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`).then(async (r) => ((await r.json()) as Json).errcode);
      // One gettoken was made in beforeEach.
      expect([await gettoken(), await gettoken(), await gettoken()]).toEqual([0, 0, 45009]);
    });

    it('records which limit answered, and counts 45009 answers beyond the bounded call record', async () => {
      for (let i = 0; i < 5; i++) await list();
      const path = 'externalcontact/get_follow_user_list';
      expect(limited.callsTo(path).map((c) => c.limitedBy ?? null)).toEqual([null, null, null, 'corp 3/s', 'corp 3/s']);
      expect(limited.callsTo(path)[3]).toMatchObject({ errcode: 45009, errmsg: 'api freq out of limit (corp 3/s)' });
      limited.faults.inject({ path: 'gettoken', errcode: 45009 });
      await fetch(`${limited.baseUrl}/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`);
      expect(limited.answered(45009)).toBe(3);
      expect(limited.answered(45009, path)).toBe(2);
      expect(limited.answeredByPath(45009)).toEqual({ [path]: 2, gettoken: 1 });
      expect(limited.answered(0)).toBe(4);
      limited.resetCalls();
      expect(limited.answered(45009)).toBe(0);
    });

    it('applies per-IP limits too', async () => {
      await limited.close();
      limited = await WecomSimulator.start({
        corpId: CORP,
        secrets: [SECRET],
        now,
        frequencyLimits: [
          { scope: 'corp', limit: 5, windowMs: 1000, blockMs: 1000 },
          { scope: 'ip', limit: 2, windowMs: 1000, blockMs: 1000 },
        ],
      });
      const reply = await fetch(`${limited.baseUrl}/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`);
      token = ((await reply.json()) as Json).access_token as string;
      expect([await list(), await list(), await list()]).toEqual([0, 0, 45009]);
      expect(limited.callsTo('externalcontact/get_follow_user_list')[2].limitedBy).toBe('ip 2/1s');
    });
  });
});

describe('contact ways', () => {
  it('creates, reads, updates and deletes a QR contact way', async () => {
    const token = await getToken();
    const added = await post('externalcontact/add_contact_way', { type: 1, scene: 2, user: ['zhangsan'], state: 'ch01', remark: '展会' }, token);
    expect(added.errcode).toBe(0);
    expect(added.qr_code).toBe(`${sim.baseUrl}/wwpic/sim/${added.config_id}/0`);
    // The code is an image the simulator serves: a PNG, like WeCom's behind its CDN URL.
    const image = await fetch(added.qr_code);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const got = await post('externalcontact/get_contact_way', { config_id: added.config_id }, token);
    expect(got.contact_way).toMatchObject({ config_id: added.config_id, type: 1, scene: 2, user: ['zhangsan'], state: 'ch01', skip_verify: true });

    const multi = await post('externalcontact/add_contact_way', { type: 2, scene: 2, user: ['zhangsan'], state: 'ch02' }, token);
    expect((await post('externalcontact/update_contact_way', { config_id: multi.config_id, user: ['lisi'], state: 'ch03' }, token)).errcode).toBe(0);
    expect((await post('externalcontact/get_contact_way', { config_id: multi.config_id }, token)).contact_way).toMatchObject({ user: ['lisi'], state: 'ch03' });

    expect((await post('externalcontact/del_contact_way', { config_id: added.config_id }, token)).errcode).toBe(0);
    expect((await post('externalcontact/get_contact_way', { config_id: added.config_id }, token)).errcode).toBe(41044);
    expect((await fetch(added.qr_code)).status).toBe(404);
  });

  it('validates state, user count and members', async () => {
    const token = await getToken();
    const add = (body: Json) => post('externalcontact/add_contact_way', body, token);
    expect((await add({ type: 1, scene: 2, user: ['zhangsan'], state: 'has-dash' })).errcode).toBe(84025);
    expect((await add({ type: 1, scene: 2, user: ['zhangsan'], state: 'a'.repeat(31) })).errcode).toBe(84025);
    expect((await add({ type: 1, scene: 2, user: ['zhangsan'], state: 'a'.repeat(30) })).errcode).toBe(0);
    expect((await add({ type: 1, scene: 2, user: ['zhangsan', 'lisi'] })).errcode).toBe(40058);
    expect((await add({ type: 1, scene: 2, user: [] })).errcode).toBe(40058);
    expect((await add({ type: 2, scene: 2 })).errcode).toBe(40058);
    const many = Array.from({ length: 101 }, (_, i) => `u${i}`);
    expect((await add({ type: 2, scene: 2, user: many })).errcode).toBe(41041);
    expect((await add({ type: 1, scene: 2, user: ['ghost'] })).errcode).toBe(40003);
    expect((await add({ type: 2, scene: 1, party: [2] })).qr_code).toBeUndefined();
  });
});

describe('corp tags', () => {
  it('creates tags, rejects duplicate names and marks customers', async () => {
    const token = await getToken();
    const created = await post('externalcontact/add_corp_tag', { group_name: '意向', tag: [{ name: '高' }, { name: '低' }] }, token);
    expect(created.errcode).toBe(0);
    const group = created.tag_group;
    expect(group.group_id).toMatch(/^et/);
    expect(group.tag.map((t: Json) => t.name)).toEqual(['高', '低']);
    expect((await post('externalcontact/add_corp_tag', { group_name: '意向', tag: [{ name: '高' }] }, token)).errcode).toBe(40071);
    const more = await post('externalcontact/add_corp_tag', { group_id: group.group_id, tag: [{ name: '中' }] }, token);
    expect(more.tag_group.tag).toHaveLength(1);
    const list = await post('externalcontact/get_corp_tag_list', {}, token);
    expect(list.tag_group[0].tag).toHaveLength(3);

    const customer = sim.state.addExternalContact({ name: '王五' });
    sim.state.addFollow('zhangsan', customer.external_userid);
    const high = group.tag[0].id;
    const mark = (body: Json) => post('externalcontact/mark_tag', { userid: 'zhangsan', external_userid: customer.external_userid, ...body }, token);
    expect((await mark({ add_tag: [high] })).errcode).toBe(0);
    const got = await call('externalcontact/get', { query: { access_token: token, external_userid: customer.external_userid } });
    expect(got.external_contact.name).toBe('王五');
    expect(got.follow_user[0].tags).toEqual([{ group_name: '意向', tag_name: '高', tag_id: high, type: 1 }]);
    expect((await mark({ add_tag: ['etunknown'] })).errcode).toBe(40068);
    expect((await post('externalcontact/mark_tag', { userid: 'lisi', external_userid: customer.external_userid, add_tag: [high] }, token)).errcode).toBe(84061);
    expect((await mark({ remove_tag: [high] })).errcode).toBe(0);
    expect(sim.state.follow('zhangsan', customer.external_userid)!.tags).toEqual([]);
  });

  it('answers 40096 for an unknown external_userid', async () => {
    const token = await getToken();
    expect((await call('externalcontact/get', { query: { access_token: token, external_userid: 'wmnope' } })).errcode).toBe(40096);
  });
});

describe('welcome messages', () => {
  it('accepts a code once, within 20 s', async () => {
    const token = await getToken();
    const customer = sim.state.addExternalContact();
    const code = sim.state.issueWelcomeCode('zhangsan', customer.external_userid);
    advance(19);
    const send = (welcome_code: string) => post('externalcontact/send_welcome_msg', { welcome_code, text: { content: '你好' } }, token);
    expect((await send(code)).errcode).toBe(0);
    expect((await send(code)).errcode).toBe(41051);
    expect(sim.state.welcomeMessages).toEqual([
      expect.objectContaining({ welcome_code: code, userid: 'zhangsan', text: { content: '你好' }, attachments: [] }),
    ]);

    const late = sim.state.issueWelcomeCode('zhangsan', customer.external_userid);
    advance(21);
    expect((await send(late)).errcode).toBe(41050);
    expect((await send('unknown')).errcode).toBe(41050);
    const tooLong = sim.state.issueWelcomeCode('zhangsan', customer.external_userid);
    expect((await post('externalcontact/send_welcome_msg', { welcome_code: tooLong, text: { content: '长'.repeat(1334) } }, token)).errcode).toBe(40058);
  });
});

describe('group messages', () => {
  it('creates a task, reports unsent until the rep confirms', async () => {
    const token = await getToken();
    const a = sim.state.addExternalContact();
    const b = sim.state.addExternalContact();
    sim.state.addFollow('zhangsan', a.external_userid);
    sim.state.addFollow('zhangsan', b.external_userid);
    const added = await post(
      'externalcontact/add_msg_template',
      { chat_type: 'single', sender: 'zhangsan', external_userid: [a.external_userid, b.external_userid, 'wmstranger'], text: { content: '新品' } },
      token,
    );
    expect(added.errcode).toBe(0);
    expect(added.fail_list).toEqual(['wmstranger']);
    const result = () => post('externalcontact/get_groupmsg_send_result', { msgid: added.msgid, userid: 'zhangsan' }, token);
    expect((await result()).send_list.map((r: Json) => r.status)).toEqual([0, 0]);
    sim.state.removeFollow('zhangsan', b.external_userid);
    sim.state.confirmTemplate(added.msgid);
    const after = await result();
    expect(after.send_list.map((r: Json) => r.status)).toEqual([1, 2]);
    expect(after.send_list[0].send_time).toBe(Math.floor(clock / 1000));
    expect((await post('externalcontact/add_msg_template', { external_userid: ['wmstranger'], text: { content: 'x' } }, token)).errcode).toBe(41048);
  });
});

describe('message/send', () => {
  const notice = (extra: Json = {}) => ({
    touser: 'zhangsan|ghost',
    msgtype: 'text',
    agentid: 1000005,
    text: { content: '新线索：王五' },
    enable_duplicate_check: 1,
    duplicate_check_interval: 600,
    ...extra,
  });

  it('delivers an identical message only once within the interval', async () => {
    const token = await getToken(APP_SECRET);
    const first = await post('message/send', notice(), token);
    expect(first).toMatchObject({ errcode: 0, invaliduser: 'ghost' });
    expect((await post('message/send', notice(), token)).errcode).toBe(0);
    expect((await post('message/send', notice({ text: { content: '另一条' } }), token)).errcode).toBe(0);
    advance(601);
    expect((await post('message/send', notice(), token)).errcode).toBe(0);
    expect(sim.state.appMessages.items.map((m) => m.deduplicated)).toEqual([false, true, false, false]);
    expect(sim.state.appMessages.items[0]).toMatchObject({ touser: ['zhangsan'], invaliduser: ['ghost'], content: { content: '新线索：王五' } });
  });

  it('checks agentid and recipients', async () => {
    const token = await getToken(APP_SECRET);
    expect((await post('message/send', notice({ agentid: 1 }), token)).errcode).toBe(40056);
    expect((await post('message/send', notice({ touser: 'ghost' }), token)).errcode).toBe(81013);
    expect((await post('message/send', notice({ touser: '@all' }), token)).errcode).toBe(0);
    expect(sim.state.appMessages.items.at(-1)!.touser).toEqual(['zhangsan', 'lisi']);
  });
});

describe('mini-program login', () => {
  it('exchanges a code once', async () => {
    const token = await getToken(APP_SECRET);
    const code = sim.state.issueLoginCode('lisi');
    const exchange = (js_code: string) =>
      call('miniprogram/jscode2session', { query: { access_token: token, js_code, grant_type: 'authorization_code' } });
    expect(await exchange(code)).toMatchObject({ errcode: 0, corpid: CORP, userid: 'lisi', session_key: expect.any(String) });
    expect((await exchange(code)).errcode).toBe(40163);
    expect((await exchange('bad')).errcode).toBe(40029);
  });
});

describe('faults', () => {
  it('injects an errcode for the next N calls to a path', async () => {
    const token = await getToken();
    sim.faults.inject({ path: 'externalcontact/get_follow_user_list', errcode: -1, times: 2 });
    const list = () => call('externalcontact/get_follow_user_list', { query: { access_token: token } });
    expect((await list()).errcode).toBe(-1);
    expect((await list()).errcode).toBe(-1);
    expect((await list()).errcode).toBe(0);
    sim.faults.inject({ path: '*', errcode: 45009 });
    expect((await call('gettoken', { query: { corpid: CORP, corpsecret: SECRET } })).errcode).toBe(45009);
  });

  it('adds latency and drops connections', async () => {
    const token = await getToken();
    sim.faults.inject({ path: 'externalcontact/get_follow_user_list', latencyMs: 150 });
    const started = Date.now();
    expect((await call('externalcontact/get_follow_user_list', { query: { access_token: token } })).errcode).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    sim.faults.inject({ path: 'externalcontact/get_follow_user_list', dropConnection: true });
    await expect(fetch(`${sim.baseUrl}/cgi-bin/externalcontact/get_follow_user_list?access_token=${token}`)).rejects.toThrow();
    expect(sim.callsTo('externalcontact/get_follow_user_list').at(-1)!.errcode).toBeNull();
    sim.faults.clear();
    expect(sim.faults.pending).toHaveLength(0);
  });

  it('rate-limits per clock second with 45009', async () => {
    const token = await getToken();
    sim.faults.rateLimit('externalcontact/get_follow_user_list', 2);
    const list = () => call('externalcontact/get_follow_user_list', { query: { access_token: token } });
    expect([(await list()).errcode, (await list()).errcode, (await list()).errcode]).toEqual([0, 0, 45009]);
    advance(1);
    expect((await list()).errcode).toBe(0);
  });

  it('limits concurrency with 45033', async () => {
    const token = await getToken();
    sim.faults.maxConcurrent('externalcontact/get_follow_user_list', 2);
    sim.faults.inject({ path: 'externalcontact/get_follow_user_list', latencyMs: 200, times: 3 });
    const replies = await Promise.all(
      [0, 1, 2].map(() => call('externalcontact/get_follow_user_list', { query: { access_token: token } })),
    );
    expect(replies.map((r) => r.errcode).sort()).toEqual([0, 0, 45033]);
  });
});

/** A minimal callback receiver: verifies, decrypts and records what the driver sends. */
class Receiver {
  readonly received: { query: Json; body: string; plaintext?: string }[] = [];
  private server!: Server;
  url = '';
  /** When set, POSTs are left unanswered (to exercise the driver's timeout). */
  hang = false;
  private readonly crypto = new CallbackCrypto({ token: TOKEN, encodingAesKey: AES_KEY, receiveId: CORP, maxAgeSeconds: 300, now });

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/wecom/callback`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const query = Object.fromEntries(new URL(req.url!, 'http://x').searchParams);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      if (req.method === 'GET') {
        res.end(this.crypto.open(query, query.echostr));
        return;
      }
      if (this.hang) return;
      const { encrypt } = await parseEnvelope(body);
      this.received.push({ query, body, plaintext: this.crypto.open(query, encrypt) });
      res.end('');
    } catch (error) {
      this.received.push({ query, body });
      res.statusCode = 400;
      res.end((error as Error).message);
    }
  }
}

describe('WecomDriver', () => {
  let receiver: Receiver;
  let driver: WecomDriver;

  beforeEach(async () => {
    receiver = new Receiver();
    await receiver.start();
    driver = new WecomDriver({ callbackUrl: receiver.url, token: TOKEN, encodingAesKey: AES_KEY, corpId: CORP, simulator: sim });
  });

  afterEach(async () => {
    await receiver.stop();
  });

  it('posts an add_external_contact callback shaped like WeCom and updates the simulator', async () => {
    const { externalUserId, welcomeCode, response } = await driver.customerAddsRep({ userId: 'zhangsan', state: 'ch01', customer: { name: '王五' } });
    expect(response.status).toBe(200);
    expect(externalUserId).toMatch(/^wm[A-Za-z0-9]{30}$/);
    expect(receiver.received).toHaveLength(1);
    const { plaintext, body } = receiver.received[0];
    expect(plaintext).toBe(response.plaintext);
    expect(plaintext).toBe(
      `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>` +
        `<CreateTime>${Math.floor(clock / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
        `<Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType>` +
        `<UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[${externalUserId}]]></ExternalUserID>` +
        `<State><![CDATA[ch01]]></State><WelcomeCode><![CDATA[${welcomeCode}]]></WelcomeCode></xml>`,
    );
    expect(body).toMatch(/^<xml><ToUserName><!\[CDATA\[wwsimcorp0000001\]\]><\/ToUserName><AgentID><!\[CDATA\[\]\]><\/AgentID><Encrypt><!\[CDATA\[[A-Za-z0-9+/=]+\]\]><\/Encrypt><\/xml>$/);
    const parsed = await parseCallback(plaintext!);
    expect(parsed.event).toMatchObject({ kind: 'contact.added', userId: 'zhangsan', externalUserId, state: 'ch01', welcomeCode });

    // The receiver's follow-up API calls see the same customer.
    const token = await getToken();
    const got = await call('externalcontact/get', { query: { access_token: token, external_userid: externalUserId } });
    expect(got.external_contact.name).toBe('王五');
    expect(got.follow_user[0]).toMatchObject({ userid: 'zhangsan', state: 'ch01', add_way: 1 });
    expect((await post('externalcontact/send_welcome_msg', { welcome_code: welcomeCode, text: { content: '欢迎' } }, token)).errcode).toBe(0);
  });

  it('re-sends the identical request with retries', async () => {
    const result = await driver.customerAddsRep({ userId: 'zhangsan', retries: 2 });
    expect(result.response.attempts.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(receiver.received).toHaveLength(3);
    const [first, ...rest] = receiver.received;
    for (const r of rest) {
      expect(r.plaintext).toBe(first.plaintext);
      expect(r.body).toBe(first.body);
      expect(r.query).toEqual(first.query);
    }
  });

  it('plays contact deletions and transfer failures', async () => {
    const { externalUserId } = await driver.customerAddsRep({ userId: 'zhangsan', withWelcomeCode: false });
    expect(receiver.received[0].plaintext).not.toContain('WelcomeCode');
    await driver.repDeletesCustomer({ userId: 'zhangsan', externalUserId, source: 'DELETE_BY_TRANSFER' });
    await driver.customerDeletesRep({ userId: 'lisi', externalUserId });
    await driver.transferFailed({ userId: 'zhangsan', externalUserId, reason: 'customer_refused' });
    const events = await Promise.all(receiver.received.slice(1).map((r) => parseCallback(r.plaintext!)));
    expect(events.map((e) => e.event)).toEqual([
      expect.objectContaining({ kind: 'contact.deleted', changeType: 'del_external_contact', source: 'DELETE_BY_TRANSFER' }),
      expect.objectContaining({ kind: 'contact.deleted', changeType: 'del_follow_user', userId: 'lisi' }),
      expect.objectContaining({ kind: 'contact.transfer_failed', failReason: 'customer_refused' }),
    ]);
    expect(sim.state.follow('zhangsan', externalUserId)).toBeUndefined();
  });

  it('plays group membership changes consistent with groupchat/get', async () => {
    const { chatId } = await driver.groupCreated({ owner: 'zhangsan', name: '客户群' });
    const customer = sim.state.addExternalContact({ name: '王五' });
    const join = await driver.membersJoin(chatId, [customer.external_userid, 'lisi'], 3);
    expect(join.plaintext).toContain(
      `<MemChangeList><Item><![CDATA[${customer.external_userid}]]></Item><Item><![CDATA[lisi]]></Item></MemChangeList>`,
    );
    const parsed = await parseCallback(join.plaintext);
    expect(parsed.event).toMatchObject({ kind: 'group.changed', changeType: 'update', updateDetail: 'add_member', joinScene: 3, memberIds: [customer.external_userid, 'lisi'] });

    const token = await getToken();
    const got = await post('externalcontact/groupchat/get', { chat_id: chatId, need_name: 1 }, token);
    expect(got.group_chat.member_version).toBe((parsed.event as Json).curMemVer);
    expect(got.group_chat.member_list).toEqual([
      expect.objectContaining({ userid: 'zhangsan', type: 1, name: '张三' }),
      expect.objectContaining({ userid: customer.external_userid, type: 2, join_scene: 3, name: '王五' }),
      expect.objectContaining({ userid: 'lisi', type: 1, join_scene: 3 }),
    ]);

    const leave = await parseCallback((await driver.membersLeave(chatId, ['lisi'], 1)).plaintext);
    expect(leave.event).toMatchObject({ updateDetail: 'del_member', quitScene: 1, memberIds: ['lisi'], lastMemVer: (parsed.event as Json).curMemVer });
    await driver.groupDismissed(chatId);
    expect((await post('externalcontact/groupchat/get', { chat_id: chatId }, token)).errcode).toBe(40050);
  });

  it('sends tag and archive notifications', async () => {
    const tag = await parseCallback((await driver.tagChanged({ id: 'etabc', tagType: 'tag', changeType: 'create' })).plaintext);
    expect(tag.event).toMatchObject({ kind: 'tag.changed', id: 'etabc', tagType: 'tag', changeType: 'create' });
    const archive = await driver.archiveNotify();
    expect((await parseCallback(archive.plaintext)).event.kind).toBe('archive.notify');
    expect(archive.plaintext).toContain('<AgentID>1000005</AgentID>');
    expect(receiver.received.at(-1)!.body).toContain('<AgentID><![CDATA[1000005]]></AgentID>');
  });

  it('plays URL verification and reports timeouts', async () => {
    expect(await driver.verifyUrl()).toMatchObject({ status: 200, ok: true });
    receiver.hang = true;
    const slow = new WecomDriver({ callbackUrl: receiver.url, token: TOKEN, encodingAesKey: AES_KEY, corpId: CORP, timeoutMs: 100, now });
    const result = await slow.postCallback({ Event: 'change_external_contact', ChangeType: 'edit_external_contact', UserID: 'a', ExternalUserID: 'b' });
    expect(result).toMatchObject({ status: 0, error: 'timeout' });
  });
});

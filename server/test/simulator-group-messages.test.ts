import { capPeriod, GroupMessageRule, WecomSimulator } from '../src/wecom/simulator';

/**
 * The simulator's side of group sending (wecom-reference.md §4.4), over real HTTP: add_msg_template,
 * the member's confirmation (played by state.confirmGroupMessage), the send results 0/1/2/3, the
 * corp's per-customer cap under each rule, get_groupmsg_task, paging, reminders and cancelling,
 * and get_groupmsg_list_v2 (the window, creator and filter_type filters, its own paging).
 */

const CORP = 'wwsimcorp0000001';
const SECRET = 'contact-secret';

let clock: number;
const now = () => clock;
/** Milliseconds for a wall-clock time in Asia/Shanghai (UTC+8). */
const shanghai = (y: number, m: number, d: number, h = 0, min = 0) => Date.UTC(y, m - 1, d, h - 8, min);

let sim: WecomSimulator;
let token: string;

type Json = Record<string, any>;

async function call(path: string, opts: { query?: Record<string, string>; body?: unknown } = {}): Promise<Json> {
  const url = new URL(`/cgi-bin/${path}`, sim.baseUrl);
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
  const response = await fetch(url, {
    method: opts.body === undefined ? 'GET' : 'POST',
    headers: opts.body === undefined ? undefined : { 'content-type': 'application/json' },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Json;
}

const post = (path: string, body: unknown) => call(`externalcontact/${path}`, { query: { access_token: token }, body });

async function start(options: { rule?: GroupMessageRule; frequencyLimits?: { scope: 'corp'; limit: number; windowMs: number; blockMs: number }[] } = {}) {
  sim = await WecomSimulator.start({
    corpId: CORP,
    secrets: [SECRET],
    now,
    // The tests move the clock by days and months; one token for all of it.
    tokenTtlSeconds: 400 * 86_400,
    members: [{ userid: 'zhangsan' }, { userid: 'lisi' }],
    ...(options.rule ? { groupMessageRule: options.rule } : {}),
    ...(options.frequencyLimits ? { frequencyLimits: options.frequencyLimits } : {}),
  });
  const reply = await call('gettoken', { query: { corpid: CORP, corpsecret: SECRET } });
  token = reply.access_token as string;
}

/** `n` customers of `userid`. */
function customers(userid: string, n: number): string[] {
  return Array.from({ length: n }, () => {
    const id = sim.state.addExternalContact().external_userid;
    sim.state.addFollow(userid, id);
    return id;
  });
}

const text = { content: '新品上市' };

async function send(sender: string, externalUserIds: string[], extra: Json = {}): Promise<string> {
  const reply = await post('add_msg_template', { chat_type: 'single', sender, external_userid: externalUserIds, text, ...extra });
  expect(reply.errcode).toBe(0);
  return reply.msgid as string;
}

async function results(msgid: string, userid: string): Promise<Json[]> {
  const reply = await post('get_groupmsg_send_result', { msgid, userid });
  expect(reply.errcode).toBe(0);
  return reply.send_list as Json[];
}

/** Sends one message to `customer` from `sender`, confirms it, and returns the customer's status. */
async function sendAndConfirm(sender: string, customer: string): Promise<number> {
  const msgid = await send(sender, [customer]);
  sim.state.confirmGroupMessage(msgid, sender);
  return (await results(msgid, sender))[0].status as number;
}

beforeEach(() => {
  clock = shanghai(2025, 1, 6, 10);
});

afterEach(async () => {
  await sim.close();
});

describe('add_msg_template', () => {
  beforeEach(() => start());

  it('creates a pending task with text and image, link and mini-program attachments; fail_list names the customers it cannot take', async () => {
    const [a, b] = customers('zhangsan', 2);
    const [other] = customers('lisi', 1);
    const reply = await post('add_msg_template', {
      chat_type: 'single',
      sender: 'zhangsan',
      external_userid: [a, b, other, 'wmunknown', a],
      text: { content: '展会资料' },
      attachments: [
        { msgtype: 'image', image: { pic_url: 'https://p.qpic.cn/pic_wework/1/0' } },
        { msgtype: 'link', link: { title: '产品手册', picurl: 'https://example.com/p.png', desc: '三分钟了解', url: 'https://example.com/a' } },
        { msgtype: 'miniprogram', miniprogram: { title: '预约演示', pic_media_id: 'MEDIA', appid: 'wx123', page: '/pages/index.html' } },
      ],
    });
    expect(reply).toMatchObject({ errcode: 0, fail_list: [other, 'wmunknown'] });
    expect(reply.msgid).toMatch(/^msg/);
    const template = sim.state.templates.get(reply.msgid)!;
    expect(template.attachments).toHaveLength(3);
    expect(template.text).toEqual({ content: '展会资料' });
    expect((await results(reply.msgid, 'zhangsan')).map((r) => [r.external_userid, r.status])).toEqual([
      [a, 0],
      [b, 0],
    ]);
    expect(sim.state.groupMessageBudget(a).used).toBe(0);
  });

  it('without a sender creates one task per member who has the customers', async () => {
    const [a] = customers('zhangsan', 1);
    const [b] = customers('lisi', 1);
    const reply = await post('add_msg_template', { external_userid: [a, b], text });
    expect(reply.errcode).toBe(0);
    const tasks = await post('get_groupmsg_task', { msgid: reply.msgid });
    expect(tasks.task_list).toEqual([
      { userid: 'zhangsan', status: 0 },
      { userid: 'lisi', status: 0 },
    ]);
    expect(tasks.next_cursor).toBe('');
  });

  it('with only a sender targets all of the sender’s customers', async () => {
    const mine = customers('zhangsan', 3);
    customers('lisi', 2);
    const reply = await post('add_msg_template', { sender: 'zhangsan', text });
    expect((await results(reply.msgid, 'zhangsan')).map((r) => r.external_userid)).toEqual(mine);
  });

  it('refuses malformed requests as WeCom does', async () => {
    const [a] = customers('zhangsan', 1);
    const base = { chat_type: 'single', sender: 'zhangsan', external_userid: [a], text };
    const errcode = async (body: Json) => (await post('add_msg_template', body)).errcode as number;
    expect(await errcode({ ...base, sender: 'nobody' })).toBe(40003);
    expect(await errcode({ ...base, chat_type: 'broadcast' })).toBe(40058);
    expect(await errcode({ chat_type: 'single', text })).toBe(40058); // no customers and no sender
    expect(await errcode({ ...base, external_userid: Array.from({ length: 10_001 }, (_, i) => `wm${i}`) })).toBe(40058);
    expect(await errcode({ ...base, text: undefined })).toBe(40058); // neither text nor attachments
    expect(await errcode({ ...base, text: { content: '长'.repeat(1334) } })).toBe(40058); // > 4000 bytes
    const image = { msgtype: 'image', image: { media_id: 'M' } };
    expect(await errcode({ ...base, attachments: Array.from({ length: 10 }, () => image) })).toBe(40058);
    expect(await errcode({ ...base, attachments: Array.from({ length: 9 }, () => image) })).toBe(0);
    expect(await errcode({ ...base, attachments: [{ msgtype: 'voice', voice: { media_id: 'M' } }] })).toBe(40058);
    expect(await errcode({ ...base, attachments: [{ msgtype: 'image', image: {} }] })).toBe(40058);
    expect(await errcode({ ...base, attachments: [{ msgtype: 'link', link: { title: 't' } }] })).toBe(40058);
    expect(await errcode({ ...base, attachments: [{ msgtype: 'link', link: { title: '长'.repeat(43), url: 'https://x' } }] })).toBe(40058);
    expect(await errcode({ ...base, attachments: [{ msgtype: 'miniprogram', miniprogram: { title: 't', pic_media_id: 'M', page: 'p.html' } }] })).toBe(40058);
    expect(await errcode({ ...base, attachments: [{ msgtype: 'miniprogram', miniprogram: { title: '长'.repeat(22), pic_media_id: 'M', appid: 'wx', page: 'p.html' } }] })).toBe(40058);
    expect(await errcode({ ...base, attachments: [{ msgtype: 'link' }] })).toBe(40058);
    expect(await errcode({ ...base, chat_type: 'group', sender: undefined })).toBe(40058);
    expect(await errcode({ ...base, tag_filter: { group_list: [] } })).toBe(40058);
  });

  it('answers 41048 when no customer is sendable', async () => {
    const [theirs] = customers('lisi', 1);
    const reply = await post('add_msg_template', { chat_type: 'single', sender: 'zhangsan', external_userid: [theirs, 'wmunknown'], text });
    expect(reply.errcode).toBe(41048);
    expect(sim.state.templates.size).toBe(0);
    expect((await post('add_msg_template', { sender: 'zhangsan', text })).errcode).toBe(41048); // the sender has no customers
  });
});

describe('confirmation and send results', () => {
  beforeEach(() => start({ rule: 'day' }));

  it('reports 0 until the member confirms, then 1 sent, 2 not a friend, 3 already received another', async () => {
    const [sent, gone, capped, later] = customers('zhangsan', 4);
    // `capped` already got today's message from another member of the corp.
    sim.state.addFollow('lisi', capped);
    expect(await sendAndConfirm('lisi', capped)).toBe(1);

    const msgid = await send('zhangsan', [sent, gone, capped, later]);
    expect((await results(msgid, 'zhangsan')).map((r) => r.status)).toEqual([0, 0, 0, 0]);
    expect((await post('get_groupmsg_task', { msgid })).task_list).toEqual([{ userid: 'zhangsan', status: 0 }]);

    sim.state.removeFollow('zhangsan', gone);
    clock += 60_000;
    sim.state.confirmGroupMessage(msgid, 'zhangsan');
    const list = await results(msgid, 'zhangsan');
    expect(list.map((r) => r.status)).toEqual([1, 2, 3, 1]);
    expect(list[0]).toEqual({ external_userid: sent, userid: 'zhangsan', status: 1, send_time: Math.floor(clock / 1000) });
    expect(list[1].send_time).toBeUndefined();
    expect((await post('get_groupmsg_task', { msgid })).task_list).toEqual([{ userid: 'zhangsan', status: 2, send_time: Math.floor(clock / 1000) }]);

    // Only deliveries use the budget: `gone` got status 2, so once re-added it can still get today's message.
    expect(sim.state.groupMessageBudget(gone).used).toBe(0);
    sim.state.addFollow('zhangsan', gone);
    expect(await sendAndConfirm('zhangsan', gone)).toBe(1);
    expect(sim.state.groupMessageBudget(capped)).toMatchObject({ used: 1, remaining: 0, limit: 1 });
  });

  it('confirms per member; a second confirmation changes nothing; unknown ids throw', async () => {
    const [a] = customers('zhangsan', 1);
    const [b] = customers('lisi', 1);
    const reply = await post('add_msg_template', { external_userid: [a, b], text });
    sim.state.confirmGroupMessage(reply.msgid, 'lisi');
    expect((await results(reply.msgid, 'zhangsan'))[0].status).toBe(0);
    expect((await results(reply.msgid, 'lisi'))[0].status).toBe(1);
    const tasks = (await post('get_groupmsg_task', { msgid: reply.msgid })).task_list;
    expect(tasks.map((t: Json) => t.status)).toEqual([0, 2]);
    sim.state.confirmGroupMessage(reply.msgid, 'lisi');
    expect(sim.state.groupMessageBudget(b).used).toBe(1);
    expect(() => sim.state.confirmGroupMessage('msgnope')).toThrow(/unknown msgid/);
    const other = await send('zhangsan', customers('zhangsan', 1));
    expect(() => sim.state.confirmGroupMessage(other, 'lisi')).toThrow(/no task/);
  });

  it('answers 40058 for an unknown msgid or a missing userid', async () => {
    expect((await post('get_groupmsg_send_result', { msgid: 'msgnope', userid: 'zhangsan' })).errcode).toBe(40058);
    expect((await post('get_groupmsg_task', { msgid: 'msgnope' })).errcode).toBe(40058);
    const msgid = await send('zhangsan', customers('zhangsan', 1));
    expect((await post('get_groupmsg_send_result', { msgid })).errcode).toBe(40058);
    expect(await results(msgid, 'lisi')).toEqual([]);
  });
});

describe('the corp-wide per-customer cap', () => {
  it('days-in-month by default: 31 in January, 28 in February 2025, reset at midnight Shanghai time', async () => {
    clock = shanghai(2025, 1, 31, 23, 0);
    await start();
    expect(sim.state.groupMessageRule).toBe('month');
    const [c] = customers('zhangsan', 1);
    sim.state.addFollow('lisi', c);
    for (let i = 0; i < 30; i++) sim.state.recordGroupMessageDelivery(c, shanghai(2025, 1, 1 + i, 12));
    expect(sim.state.groupMessageBudget(c)).toMatchObject({ limit: 31, used: 30, remaining: 1 });
    expect(await sendAndConfirm('lisi', c)).toBe(1); // the 31st, from another member
    expect(await sendAndConfirm('zhangsan', c)).toBe(3);

    // 2025-02-01 00:00 in Shanghai is still 2025-01-31 in UTC.
    clock = shanghai(2025, 2, 1, 0, 0);
    expect(new Date(clock).getUTCDate()).toBe(31);
    expect(sim.state.groupMessageBudget(c)).toMatchObject({ limit: 28, used: 0 });
    for (let i = 0; i < 28; i++) expect(await sendAndConfirm('zhangsan', c)).toBe(1);
    expect(await sendAndConfirm('zhangsan', c)).toBe(3);
    clock = shanghai(2025, 3, 1, 0, 0);
    expect(await sendAndConfirm('zhangsan', c)).toBe(1);
    expect(capPeriod('month', shanghai(2024, 2, 10)).limit).toBe(29);
  });

  it('7 per natural week (Monday to Sunday, Shanghai time)', async () => {
    clock = shanghai(2025, 1, 6, 9); // a Monday
    await start({ rule: 'week' });
    const [c] = customers('zhangsan', 1);
    for (let day = 0; day < 7; day++) {
      clock = shanghai(2025, 1, 6 + day, 9);
      expect(await sendAndConfirm('zhangsan', c)).toBe(1);
    }
    clock = shanghai(2025, 1, 12, 23, 59); // Sunday night
    expect(await sendAndConfirm('zhangsan', c)).toBe(3);
    clock = shanghai(2025, 1, 13, 0, 0); // Monday 00:00 in Shanghai, Sunday 16:00 UTC
    expect(new Date(clock).getUTCDay()).toBe(0);
    expect(await sendAndConfirm('zhangsan', c)).toBe(1);
    expect(sim.state.groupMessageBudget(c)).toMatchObject({ limit: 7, used: 1, start: shanghai(2025, 1, 13), end: shanghai(2025, 1, 20) });
  });

  it('1 per day, the day ending at midnight Shanghai time; set on a running simulator', async () => {
    await start();
    sim.state.setGroupMessageRule('day');
    const [c, d] = customers('zhangsan', 2);
    clock = shanghai(2025, 1, 6, 23, 30);
    const msgid = await send('zhangsan', [c, d]);
    sim.state.confirmGroupMessage(msgid);
    expect((await results(msgid, 'zhangsan')).map((r) => r.status)).toEqual([1, 1]);
    clock = shanghai(2025, 1, 6, 23, 59);
    expect(await sendAndConfirm('zhangsan', c)).toBe(3);
    // The result is decided at confirmation, not at creation: created today, confirmed tomorrow.
    const pending = await send('zhangsan', [d]);
    clock = shanghai(2025, 1, 7, 0, 0);
    sim.state.confirmGroupMessage(pending);
    expect((await results(pending, 'zhangsan'))[0].status).toBe(1);
    expect(await sendAndConfirm('zhangsan', c)).toBe(1);
    expect(() => sim.state.setGroupMessageRule('hour' as GroupMessageRule)).toThrow();
  });

  it('caps customer groups too', async () => {
    await start({ rule: 'day' });
    const group = sim.state.createGroup({ owner: 'zhangsan' });
    const other = sim.state.createGroup({ owner: 'lisi' });
    const reply = await post('add_msg_template', { chat_type: 'group', sender: 'zhangsan', chat_id_list: [group.chat_id, other.chat_id], text });
    expect(reply.fail_list).toEqual([other.chat_id]);
    sim.state.confirmGroupMessage(reply.msgid);
    expect(await results(reply.msgid, 'zhangsan')).toEqual([{ chat_id: group.chat_id, userid: 'zhangsan', status: 1, send_time: Math.floor(clock / 1000) }]);
    const again = await post('add_msg_template', { chat_type: 'group', sender: 'zhangsan', text });
    sim.state.confirmGroupMessage(again.msgid);
    expect((await results(again.msgid, 'zhangsan'))[0].status).toBe(3);
  });
});

describe('paging', () => {
  beforeEach(() => start());

  it('pages send results by 500 by default, up to 1000, over 1000 falls back to 500', async () => {
    const all = customers('zhangsan', 1200);
    const msgid = await send('zhangsan', all);
    const seen: string[] = [];
    let cursor = '';
    const sizes: number[] = [];
    do {
      const reply = await post('get_groupmsg_send_result', { msgid, userid: 'zhangsan', cursor });
      expect(reply.errcode).toBe(0);
      sizes.push(reply.send_list.length);
      seen.push(...reply.send_list.map((r: Json) => r.external_userid));
      cursor = reply.next_cursor;
    } while (cursor);
    expect(sizes).toEqual([500, 500, 200]);
    expect(seen).toEqual(all);
    expect((await post('get_groupmsg_send_result', { msgid, userid: 'zhangsan', limit: 1000 })).send_list).toHaveLength(1000);
    expect((await post('get_groupmsg_send_result', { msgid, userid: 'zhangsan', limit: 5000 })).send_list).toHaveLength(500);
    const small = await post('get_groupmsg_send_result', { msgid, userid: 'zhangsan', limit: 7, cursor: '1195' });
    expect(small.send_list).toHaveLength(5);
    expect(small.next_cursor).toBe('');
    expect((await post('get_groupmsg_send_result', { msgid, userid: 'zhangsan', cursor: 'bogus' })).errcode).toBe(40058);
    expect((await post('get_groupmsg_send_result', { msgid, userid: 'zhangsan', limit: -1 })).errcode).toBe(40058);
  });

  it('pages member tasks', async () => {
    const members = Array.from({ length: 3 }, (_, i) => `rep${i}`);
    const ids = members.map((m) => {
      sim.state.addMember(m);
      return customers(m, 1)[0];
    });
    const reply = await post('add_msg_template', { external_userid: ids, text });
    const first = await post('get_groupmsg_task', { msgid: reply.msgid, limit: 2 });
    expect(first.task_list.map((t: Json) => t.userid)).toEqual(['rep0', 'rep1']);
    const second = await post('get_groupmsg_task', { msgid: reply.msgid, limit: 2, cursor: first.next_cursor });
    expect(second.task_list.map((t: Json) => t.userid)).toEqual(['rep2']);
    expect(second.next_cursor).toBe('');
  });
});

describe('get_groupmsg_list_v2', () => {
  beforeEach(() => start());

  const sec = (ms: number) => Math.floor(ms / 1000);
  const list = (body: Json) => post('get_groupmsg_list_v2', body);
  /** The msgids listed in [start, end] (seconds) with `extra` filters, asserting success and one page. */
  async function listed(start: number, end: number, extra: Json = {}): Promise<string[]> {
    const reply = await list({ start_time: start, end_time: end, ...extra });
    expect(reply.errcode).toBe(0);
    expect(reply.next_cursor).toBe('');
    return reply.group_msg_list.map((m: Json) => m.msgid);
  }

  it('lists the messages created in the window, both ends included, in order of creation, with their content', async () => {
    const [a] = customers('zhangsan', 1);
    const t0 = clock;
    const link = { msgtype: 'link', link: { title: '产品手册', url: 'https://example.com/a' } };
    const first = await send('zhangsan', [a], { attachments: [link] });
    clock = t0 + 1_999; // second t0+1, late in it
    const second = await send('zhangsan', [a], { text: undefined, attachments: [link] });
    clock = t0 + 3_600_000;
    const third = await send('zhangsan', [a]);
    const group = sim.state.createGroup({ owner: 'zhangsan' });
    const toGroup = (await post('add_msg_template', { chat_type: 'group', sender: 'zhangsan', chat_id_list: [group.chat_id], text })).msgid;

    const all = await list({ chat_type: 'single', start_time: sec(t0), end_time: sec(clock) });
    expect(all.errcode).toBe(0);
    expect(all.group_msg_list).toEqual([
      { msgid: first, creator: 'zhangsan', create_type: 0, text, attachments: [link], create_time: sec(t0) },
      { msgid: second, creator: 'zhangsan', create_type: 0, attachments: [link], create_time: sec(t0) + 1 },
      { msgid: third, creator: 'zhangsan', create_type: 0, text, create_time: sec(t0) + 3600 },
    ]);
    // single is the default; the window is compared in whole seconds.
    expect(await listed(sec(t0), sec(t0))).toEqual([first]);
    expect(await listed(sec(t0) + 1, sec(t0) + 1)).toEqual([second]);
    expect(await listed(sec(t0) + 1, sec(t0) + 3599)).toEqual([second]);
    expect(await listed(sec(t0) + 2, sec(t0) + 3600)).toEqual([third]);
    expect(await listed(sec(t0) - 86_400, sec(t0) - 1)).toEqual([]);
    expect(await listed(sec(t0), sec(clock), { chat_type: 'group' })).toEqual([toGroup]);

    // Order is by creation time, not by when the record was added (a test clock moved back).
    clock = t0 - 60_000;
    const earlier = await send('zhangsan', [a]);
    expect(await listed(sec(clock), sec(t0) + 3600)).toEqual([earlier, first, second, third]);
    // A cancelled message was still created, so it is still listed.
    await post('cancel_groupmsg_send', { msgid: first });
    expect(await listed(sec(t0), sec(t0))).toEqual([first]);
  });

  it('finds the msgid of a send whose reply was lost', async () => {
    const ids = customers('zhangsan', 1);
    const before = sec(clock);
    sim.faults.inject({ path: 'externalcontact/add_msg_template', loseReply: true });
    await expect(post('add_msg_template', { sender: 'zhangsan', external_userid: ids, text: { content: '双十一预告' } })).rejects.toThrow();
    clock += 5_000;
    const reply = await list({ start_time: before, end_time: sec(clock), creator: 'zhangsan', filter_type: 0 });
    expect(reply.group_msg_list).toHaveLength(1);
    expect(reply.group_msg_list[0].text).toEqual({ content: '双十一预告' });
    expect(sim.state.templates.has(reply.group_msg_list[0].msgid)).toBe(true);
  });

  it('filters by creator and by filter_type (0 corp via the API, 1 members in the client, 2 both)', async () => {
    const [a] = customers('zhangsan', 1);
    const [b] = customers('lisi', 1);
    const start = sec(clock);
    const corpByZhangsan = await send('zhangsan', [a]);
    clock += 1_000;
    const corpNoSender = (await post('add_msg_template', { external_userid: [a, b], text })).msgid as string;
    clock += 1_000;
    const ownByLisi = sim.state.addMemberGroupMessage('lisi', { text: { content: '周末活动' } }).msgid;
    clock += 1_000;
    const ownByZhangsan = sim.state.addMemberGroupMessage('zhangsan', { attachments: [{ msgtype: 'image', image: { media_id: 'M' } }] }).msgid;
    const end = sec(clock);

    expect(await listed(start, end)).toEqual([corpByZhangsan, corpNoSender, ownByLisi, ownByZhangsan]);
    expect(await listed(start, end, { filter_type: 2 })).toEqual([corpByZhangsan, corpNoSender, ownByLisi, ownByZhangsan]);
    expect(await listed(start, end, { filter_type: 0 })).toEqual([corpByZhangsan, corpNoSender]);
    expect(await listed(start, end, { filter_type: 1 })).toEqual([ownByLisi, ownByZhangsan]);
    expect(await listed(start, end, { creator: 'zhangsan' })).toEqual([corpByZhangsan, ownByZhangsan]);
    expect(await listed(start, end, { creator: 'zhangsan', filter_type: 1 })).toEqual([ownByZhangsan]);
    expect(await listed(start, end, { creator: 'lisi', filter_type: 0 })).toEqual([]);

    const reply = await list({ start_time: start, end_time: end });
    const byId = new Map<string, Json>(reply.group_msg_list.map((m: Json) => [m.msgid, m]));
    expect(byId.get(corpNoSender)).toEqual({ msgid: corpNoSender, create_type: 0, text, create_time: start + 1 }); // no sender, no creator
    expect(byId.get(ownByLisi)).toEqual({ msgid: ownByLisi, creator: 'lisi', create_type: 1, text: { content: '周末活动' }, create_time: start + 2 });
    // The member sent it themselves: its task is done, and it used nobody's cap.
    expect((await post('get_groupmsg_task', { msgid: ownByLisi })).task_list).toEqual([{ userid: 'lisi', status: 2, send_time: start + 2 }]);
    expect(sim.state.groupMessageBudget(b).used).toBe(0);

    expect((await list({ start_time: start, end_time: end, creator: 'nobody' })).errcode).toBe(40003);
    expect(() => sim.state.addMemberGroupMessage('nobody', { text })).toThrow(/unknown member/);
    expect(() => sim.state.addMemberGroupMessage('lisi', {})).toThrow(/text or attachments/);
  });

  it('pages by 50 by default, up to 100, over 100 falls back to 50', async () => {
    const [a] = customers('zhangsan', 1);
    const start = sec(clock);
    const created: string[] = [];
    for (let i = 0; i < 120; i++) {
      created.push(i % 3 === 0 ? sim.state.addMemberGroupMessage('lisi', { text }).msgid : await send('zhangsan', [a]));
      clock += 1_000;
    }
    const end = sec(clock);
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor = '';
    do {
      const reply = await list({ start_time: start, end_time: end, cursor });
      expect(reply.errcode).toBe(0);
      sizes.push(reply.group_msg_list.length);
      seen.push(...reply.group_msg_list.map((m: Json) => m.msgid));
      cursor = reply.next_cursor;
    } while (cursor);
    expect(sizes).toEqual([50, 50, 20]);
    expect(seen).toEqual(created);
    expect((await list({ start_time: start, end_time: end, limit: 100 })).group_msg_list).toHaveLength(100);
    expect((await list({ start_time: start, end_time: end, limit: 101 })).group_msg_list).toHaveLength(50);
    const last = await list({ start_time: start, end_time: end, limit: 7, cursor: '115' });
    expect(last.group_msg_list.map((m: Json) => m.msgid)).toEqual(created.slice(115));
    expect(last.next_cursor).toBe('');
    // Paging applies after the filters.
    const corp = await list({ start_time: start, end_time: end, filter_type: 0, limit: 100 });
    expect(corp.group_msg_list).toHaveLength(80);
    expect(corp.next_cursor).toBe('');
    expect((await list({ start_time: start, end_time: end, cursor: 'bogus' })).errcode).toBe(40058);
    expect((await list({ start_time: start, end_time: end, cursor: '121' })).errcode).toBe(40058);
    expect((await list({ start_time: start, end_time: end, limit: -1 })).errcode).toBe(40058);
  });

  it('refuses a missing, reversed or over-a-month window and malformed filters with 40058', async () => {
    await send('zhangsan', customers('zhangsan', 1));
    const start = sec(clock);
    const errcode = async (body: Json) => {
      const reply = await list(body);
      return reply.errcode as number;
    };
    expect(await errcode({ end_time: start })).toBe(40058);
    expect(await errcode({ start_time: start })).toBe(40058);
    expect(await errcode({ start_time: start, end_time: start - 1 })).toBe(40058);
    expect(await errcode({ start_time: start, end_time: start + 31 * 86_400 })).toBe(0);
    expect(await errcode({ start_time: start, end_time: start + 31 * 86_400 + 1 })).toBe(40058);
    expect(await errcode({ start_time: 'yesterday', end_time: start })).toBe(40058);
    expect(await errcode({ start_time: -1, end_time: start })).toBe(40058);
    expect(await errcode({ start_time: start, end_time: start, chat_type: 'broadcast' })).toBe(40058);
    expect(await errcode({ start_time: start, end_time: start, filter_type: 3 })).toBe(40058);
    expect(await errcode({ start_time: start, end_time: start, filter_type: 'all' })).toBe(40058);
    expect(await errcode({ start_time: start, end_time: start, creator: 42 })).toBe(40058);
    const refused = await list({ start_time: start, end_time: start + 40 * 86_400 });
    expect(refused.errmsg).toMatch(/one month/);
    expect(refused.group_msg_list).toBeUndefined();
  });
});

describe('remind_groupmsg_send and cancel_groupmsg_send', () => {
  beforeEach(() => start());

  it('accepts 3 reminders per message in any 24 hours, then answers 45009', async () => {
    const msgid = await send('zhangsan', customers('zhangsan', 1));
    const remind = async () => (await post('remind_groupmsg_send', { msgid })).errcode as number;
    const first = clock;
    expect(await remind()).toBe(0);
    clock += 3_600_000;
    expect(await remind()).toBe(0);
    clock += 3_600_000;
    expect(await remind()).toBe(0);
    clock = first + 86_400_000 - 1;
    const refused = await post('remind_groupmsg_send', { msgid });
    expect(refused.errcode).toBe(45009);
    expect(refused.errmsg).toMatch(/3 reminders/);
    clock = first + 86_400_000;
    expect(await remind()).toBe(0); // the first one is 24 h old
    expect(await remind()).toBe(45009);
    expect(sim.state.templates.get(msgid)!.reminders).toHaveLength(4);
    // Limits are per message.
    expect((await post('remind_groupmsg_send', { msgid: await send('zhangsan', customers('zhangsan', 1)) })).errcode).toBe(0);
    expect((await post('remind_groupmsg_send', { msgid: 'msgnope' })).errcode).toBe(40058);
  });

  it('cancel stops what is not sent: confirmed members keep their results, the rest stay 0', async () => {
    const [a] = customers('zhangsan', 1);
    const [b] = customers('lisi', 1);
    const reply = await post('add_msg_template', { external_userid: [a, b], text });
    sim.state.confirmGroupMessage(reply.msgid, 'zhangsan');
    expect((await post('cancel_groupmsg_send', { msgid: reply.msgid })).errcode).toBe(0);
    expect((await post('cancel_groupmsg_send', { msgid: reply.msgid })).errcode).toBe(0);
    expect(() => sim.state.confirmGroupMessage(reply.msgid, 'lisi')).toThrow(/cancelled/);
    expect((await results(reply.msgid, 'zhangsan'))[0].status).toBe(1);
    expect((await results(reply.msgid, 'lisi'))[0].status).toBe(0);
    expect((await post('get_groupmsg_task', { msgid: reply.msgid })).task_list.map((t: Json) => t.status)).toEqual([2, 0]);
    expect((await post('remind_groupmsg_send', { msgid: reply.msgid })).errcode).toBe(40058);
    expect((await post('cancel_groupmsg_send', { msgid: 'msgnope' })).errcode).toBe(40058);
    expect(sim.state.groupMessageBudget(b).used).toBe(0);
  });
});

describe('frequency limits and injected faults', () => {
  it('answers 45009 per API past its per-minute limit, on the simulator clock', async () => {
    await start({ frequencyLimits: [{ scope: 'corp', limit: 2, windowMs: 60_000, blockMs: 60_000 }] });
    const ids = customers('zhangsan', 1);
    await send('zhangsan', ids);
    const msgid = await send('zhangsan', ids);
    const limited = await post('add_msg_template', { sender: 'zhangsan', external_userid: ids, text });
    expect(limited.errcode).toBe(45009);
    expect(sim.state.templates.size).toBe(2);
    expect((await post('get_groupmsg_task', { msgid })).errcode).toBe(0); // another API, its own budget
    clock += 60_000;
    expect((await post('add_msg_template', { sender: 'zhangsan', external_userid: ids, text })).errcode).toBe(0);
    expect(sim.answered(45009, 'externalcontact/add_msg_template')).toBe(1);
  });

  it('plays injected errors and a lost reply (the task exists, the caller never learns its msgid)', async () => {
    await start();
    const ids = customers('zhangsan', 1);
    sim.faults.inject({ path: 'externalcontact/add_msg_template', errcode: -1 });
    expect((await post('add_msg_template', { sender: 'zhangsan', external_userid: ids, text })).errcode).toBe(-1);
    expect(sim.state.templates.size).toBe(0);
    sim.faults.inject({ path: 'externalcontact/add_msg_template', loseReply: true });
    await expect(post('add_msg_template', { sender: 'zhangsan', external_userid: ids, text })).rejects.toThrow();
    expect(sim.state.templates.size).toBe(1);
    const msgid = [...sim.state.templates.keys()][0];
    sim.faults.inject({ path: 'externalcontact/get_groupmsg_send_result', errcode: 45009 });
    expect((await post('get_groupmsg_send_result', { msgid, userid: 'zhangsan' })).errcode).toBe(45009);
    expect((await post('get_groupmsg_send_result', { msgid, userid: 'zhangsan' })).errcode).toBe(0);
  });
});

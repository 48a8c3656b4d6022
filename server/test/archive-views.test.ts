import { pullArchive } from '../src/archive/ingest/pull-archive';
import { ChatMessage, type MediaStatus } from '../src/archive/messages/chat-message.entity';
import { ChatResponse } from '../src/archive/responses/chat-response.entity';
import { ChatWaiting } from '../src/archive/responses/chat-waiting.entity';
import { GroupChat } from '../src/groups/group-chat.entity';
import type { Lead } from '../src/leads/lead.entity';
import { signInToConsole } from './support/console-session';
import { makeLead, makeMember, makeTeam, signIn } from './support/factories';
import { Harness, startHarness } from './support/harness';

/**
 * Reading the chat archive (issue 13): a lead's archived chats, their media and response times,
 * and the managers' search across leads, on the mini-program (/api/mp) and the console
 * (/api/console). Who may read is the lead policy's readChats (owner, the managers of the owner's
 * teams, admins); rows are written as ingestion leaves them, and one chat goes through the
 * simulator's archive and a real pull.
 */

const T0 = Date.parse('2026-11-02T09:00:00+08:00');
const MIN = 60_000;

let h: Harness;
const ds = () => h.runtime.ctx.dataSource;
const L: Record<string, Lead> = {};
const tokens: Record<string, string> = {};
let msgSeq = 0;

interface MessageFields {
  lead: Lead | null;
  kind?: 'customer' | 'member';
  userId?: string | null;
  text?: string | null;
  msgtype?: string;
  body?: Record<string, unknown> | null;
  at: number;
  roomId?: string | null;
  media?: { status: MediaStatus; key?: string; size?: number } | null;
  recalledAt?: number | null;
}

/** A message row as ingestion stores it. */
async function message(f: MessageFields): Promise<ChatMessage> {
  const n = ++msgSeq;
  const row = ds().getRepository(ChatMessage).create({
    msgid: `view-test-${n}`,
    seq: n,
    msgtype: f.msgtype ?? 'text',
    senderKind: f.kind ?? 'customer',
    userId: f.userId === undefined ? (f.lead?.ownerUserId ?? null) : f.userId,
    externalUserId: f.lead?.externalUserId ?? null,
    roomId: f.roomId ?? null,
    leadId: f.lead?.id ?? null,
    content: f.text === undefined ? null : f.text,
    body: f.body ?? (f.text ? { content: f.text } : null),
    mediaStatus: f.media?.status ?? null,
    mediaKey: f.media?.key ?? null,
    mediaSize: f.media?.size ?? null,
    recalledAt: f.recalledAt ?? null,
    sentAt: f.at,
    storedAt: f.at,
  });
  await ds().getRepository(ChatMessage).save(row);
  return row;
}

async function mp(userId: string | null, path: string): Promise<{ status: number; body: any; headers: Headers; bytes: Buffer }> {
  const r = await fetch(`${h.url}/api/mp${path}`, { headers: userId ? { authorization: `Bearer ${tokens[userId]}` } : {} });
  const bytes = Buffer.from(await r.arrayBuffer());
  const json = (r.headers.get('content-type') ?? '').includes('json');
  return { status: r.status, headers: r.headers, bytes, body: json ? JSON.parse(bytes.toString('utf8')) : null };
}

const consoleCookies: Record<string, string> = {};
async function consoleGet(userId: string | null, path: string): Promise<{ status: number; body: any; headers: Headers; bytes: Buffer }> {
  const r = await fetch(`${h.url}/api/console${path}`, { headers: userId ? { cookie: consoleCookies[userId] } : {} });
  const bytes = Buffer.from(await r.arrayBuffer());
  const json = (r.headers.get('content-type') ?? '').includes('json');
  return { status: r.status, headers: r.headers, bytes, body: json ? JSON.parse(bytes.toString('utf8')) : null };
}

/** Every page of a lead's chats, following nextCursor. */
async function allPages(userId: string, leadId: number, limit: number, q?: string): Promise<{ pages: number; texts: (string | null)[] }> {
  const texts: (string | null)[] = [];
  let before: string | null = null;
  let pages = 0;
  do {
    const params = new URLSearchParams({ limit: String(limit), ...(q ? { q } : {}), ...(before ? { before } : {}) });
    const r = await mp(userId, `/leads/${leadId}/chats?${params}`);
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeLessThanOrEqual(limit);
    texts.push(...r.body.items.map((m: { text: string | null }) => m.text));
    before = r.body.nextCursor;
    pages++;
  } while (before && pages < 50);
  return { pages, texts };
}

const IMAGE = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 0xff, 0xd9]);

beforeAll(async () => {
  h = await startHarness({ archive: true, runtime: { runScheduler: false } });
  for (const [userId, name] of [['rep-a', '张三'], ['rep-b', '李四'], ['rep-c', '王五']]) await makeMember(h, userId, { name, roles: ['rep'] });
  const t1 = await makeTeam(h, { name: '华东组', members: ['rep-a', 'rep-b'] });
  const t2 = await makeTeam(h, { name: '华南组', members: ['rep-c'] });
  await makeMember(h, 'mgr-1', { name: '华东主管', roles: ['manager'], managedTeamIds: [t1.id] });
  await makeMember(h, 'boss', { name: '老板', roles: ['admin'] });
  L.a = await makeLead(ds(), { name: '王女士', ownerUserId: 'rep-a', teamId: t1.id, externalUserId: 'wmViewCustomerA' });
  L.c = await makeLead(ds(), { name: '赵先生', ownerUserId: 'rep-c', teamId: t2.id, externalUserId: 'wmViewCustomerC' });
  L.pool = await makeLead(ds(), { name: '公海客户', ownerUserId: null, inPool: true, teamId: t1.id, externalUserId: 'wmViewCustomerP' });
  for (const userId of ['rep-a', 'rep-b', 'rep-c', 'mgr-1', 'boss']) tokens[userId] = (await signIn(h, userId)).accessToken;
  for (const userId of ['mgr-1', 'boss']) consoleCookies[userId] = (await signInToConsole(h, userId)).cookie;

  await ds().getRepository(GroupChat).insert({ chatId: 'wrViewGroup1', name: '华东客户交流群', ownerUserId: 'rep-a', memberVersion: null, status: 'active', createdAt: T0, updatedAt: T0 });
  await h.runtime.ctx.archive!.media.put('2026-11/view-image.jpg', IMAGE, 'image/jpeg');
  await h.runtime.ctx.archive!.media.put('2026-11/view-page.html', Buffer.from('<script>alert(1)</script>'), 'text/html');

  // Lead A: a conversation of every kind, oldest first.
  await message({ lead: L.a, text: '你好，想了解一下价格', at: T0 });
  await message({ lead: L.a, kind: 'member', text: '您好，我的手机 13812345678，随时联系', at: T0 + MIN });
  await message({ lead: L.a, text: '打折 100%_真的吗', at: T0 + 2 * MIN });
  await message({ lead: L.a, msgtype: 'image', text: null, body: { sdkfileid: 'x', md5sum: 'y' }, media: { status: 'stored', key: '2026-11/view-image.jpg', size: IMAGE.length }, at: T0 + 3 * MIN });
  await message({ lead: L.a, text: '说错了，撤回', recalledAt: T0 + 5 * MIN, at: T0 + 4 * MIN });
  await message({ lead: L.a, kind: 'member', msgtype: 'link', text: '产品手册 价格表', body: { title: '产品手册', description: '价格表', link_url: 'https://example.com/p' }, at: T0 + 5 * MIN });
  await message({ lead: L.a, kind: 'member', msgtype: 'file', text: '报价单.pdf', body: { filename: '报价单.pdf', filesize: 2048, sdkfileid: 'f' }, media: { status: 'pending' }, at: T0 + 6 * MIN });
  await message({ lead: L.a, msgtype: 'voice', text: null, body: { play_length: 7, voice_size: 3000, sdkfileid: 'v' }, media: { status: 'too_large', size: 3000 }, at: T0 + 7 * MIN });
  await message({ lead: L.a, text: '群里问一下价格', roomId: 'wrViewGroup1', at: T0 + 8 * MIN });
  await message({ lead: L.a, msgtype: 'file', text: 'page.html', body: { filename: 'page.html' }, media: { status: 'stored', key: '2026-11/view-page.html' }, at: T0 + 9 * MIN });
  // Lead C (another team) and the pool lead say the same word.
  await message({ lead: L.c, text: '价格能便宜点吗', at: T0 + 10 * MIN });
  await message({ lead: L.pool, text: '价格多少', at: T0 + 11 * MIN });

  await ds().getRepository(ChatResponse).insert([
    { leadId: L.a.id, userId: 'rep-a', msgid: 'view-test-2', waitedSince: T0, repliedAt: T0 + MIN, responseMs: MIN, first: true },
    { leadId: L.a.id, userId: 'rep-a', msgid: 'view-resp-2', waitedSince: T0 + 2 * MIN, repliedAt: T0 + 5 * MIN, responseMs: 3 * MIN, first: false },
  ]);
  await ds().getRepository(ChatWaiting).insert({ leadId: L.a.id, userId: 'rep-a', since: T0 + 8 * MIN, msgid: 'view-test-9', alertedAt: null });
});

afterAll(async () => h?.close());

describe("a lead's chats", () => {
  test('the owner reads them newest first, with names, groups, media, links, files, voice and response times', async () => {
    const r = await mp('rep-a', `/leads/${L.a.id}/chats`);
    expect(r.status).toBe(200);
    expect(r.body.archive).toEqual({ on: true });
    expect(r.body.nextCursor).toBeNull();
    const items = r.body.items;
    expect(items).toHaveLength(10);
    expect(items.map((m: { sentAt: string }) => m.sentAt)).toEqual([...Array(10).keys()].map((i) => new Date(T0 + (9 - i) * MIN).toISOString()));
    const byType = (t: string) => items.filter((m: { msgtype: string }) => m.msgtype === t);
    const [first] = items.slice(-1);
    expect(first).toEqual({
      id: expect.any(Number), msgtype: 'text', direction: 'customer', sender: { userId: null, name: '王女士' }, text: '你好，想了解一下价格',
      recalled: false, sentAt: new Date(T0).toISOString(), room: null, media: null, link: null, file: null, voice: null,
    });
    const image = byType('image')[0];
    expect(image.media).toEqual({ status: 'stored', size: IMAGE.length, url: `/api/mp/leads/${L.a.id}/chats/${image.id}/media` });
    expect(byType('link')[0]).toMatchObject({ direction: 'rep', sender: { userId: 'rep-a', name: '张三' }, link: { title: '产品手册', description: '价格表', url: 'https://example.com/p' } });
    expect(byType('file')[1]).toMatchObject({ file: { name: '报价单.pdf', size: 2048 }, media: { status: 'pending', size: null, url: null } });
    expect(byType('voice')[0]).toMatchObject({ voice: { seconds: 7 }, media: { status: 'too_large', size: 3000, url: null } });
    expect(items.find((m: { text: string }) => m.text === '群里问一下价格').room).toEqual({ id: 'wrViewGroup1', name: '华东客户交流群' });
    expect(r.body.responseTimes).toEqual({ firstResponseMinutes: 1, averageResponseMinutes: 2, responses: 2, waitingSince: new Date(T0 + 8 * MIN).toISOString() });
  });

  test('a phone number in a message is masked; a recalled message is flagged', async () => {
    const { body } = await mp('rep-a', `/leads/${L.a.id}/chats`);
    const texts = body.items.map((m: { text: string | null }) => m.text);
    expect(texts).toContain('您好，我的手机 138****5678，随时联系');
    expect(JSON.stringify(body)).not.toContain('13812345678');
    const recalled = body.items.filter((m: { recalled: boolean }) => m.recalled);
    expect(recalled.map((m: { text: string }) => m.text)).toEqual(['说错了，撤回']);
  });

  test('the manager of the owner’s team and an admin read them; another rep gets 404, the pool lead 403', async () => {
    expect((await mp('mgr-1', `/leads/${L.a.id}/chats`)).body.items).toHaveLength(10);
    expect((await mp('boss', `/leads/${L.a.id}/chats`)).body.items).toHaveLength(10);
    const other = await mp('rep-c', `/leads/${L.a.id}/chats`);
    expect(other.status).toBe(404);
    expect(other.body.message).toBe('线索不存在或您无权查看');
    // rep-b sees team 1's pool, but its chats were nobody's of theirs.
    const pool = await mp('rep-b', `/leads/${L.pool.id}/chats`);
    expect(pool).toMatchObject({ status: 403, body: { message: '聊天记录仅线索负责人及其主管可见' } });
    // A teammate who does not own the lead does not see it at all.
    expect((await mp('rep-b', `/leads/${L.a.id}/chats`)).status).toBe(404);
    expect((await mp('rep-a', `/leads/99999999/chats`)).status).toBe(404);
  });

  test('q filters to messages containing the word, case-insensitively, with % and _ taken literally', async () => {
    const price = await mp('rep-a', `/leads/${L.a.id}/chats?q=${encodeURIComponent('价格')}`);
    expect(price.body.items.map((m: { text: string }) => m.text)).toEqual(['群里问一下价格', '产品手册 价格表', '你好，想了解一下价格']);
    expect((await mp('rep-a', `/leads/${L.a.id}/chats?q=${encodeURIComponent('%')}`)).body.items.map((m: { text: string }) => m.text)).toEqual(['打折 100%_真的吗']);
    expect((await mp('rep-a', `/leads/${L.a.id}/chats?q=${encodeURIComponent('_')}`)).body.items.map((m: { text: string }) => m.text)).toEqual(['打折 100%_真的吗']);
    expect((await mp('rep-a', `/leads/${L.a.id}/chats?q=PAGE.HTML`)).body.items.map((m: { text: string }) => m.text)).toEqual(['page.html']);
    // An empty box is no filter.
    expect((await mp('rep-a', `/leads/${L.a.id}/chats?q=`)).body.items).toHaveLength(10);
  });

  test('pages back with before = nextCursor, every message once, in order', async () => {
    const whole = await allPages('rep-a', L.a.id, 100);
    const paged = await allPages('rep-a', L.a.id, 3);
    expect(paged.pages).toBe(4);
    expect(paged.texts).toEqual(whole.texts);
    const filtered = await allPages('rep-a', L.a.id, 1, '价格');
    expect(filtered.texts).toEqual(['群里问一下价格', '产品手册 价格表', '你好，想了解一下价格']);
  });

  test('bad input is a 400 with a Chinese message, never a 5xx', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=abc', `q=${'字'.repeat(51)}`, 'q=13812345678', 'before=bm9wZQ', 'unknown=1', 'q=a&q=b']) {
      const r = await mp('rep-a', `/leads/${L.a.id}/chats?${query}`);
      expect({ query, status: r.status }).toEqual({ query, status: 400 });
      expect(r.body.message).toMatch(/[\u4e00-\u9fff]/);
    }
    // A search cursor is not a lead-chat cursor.
    const search = await mp('mgr-1', `/chats/search?q=${encodeURIComponent('价格')}&limit=1`);
    expect((await mp('rep-a', `/leads/${L.a.id}/chats?before=${search.body.nextCursor}`)).status).toBe(400);
    expect((await mp('rep-a', '/leads/abc/chats')).status).toBe(400);
  });
});

describe('media', () => {
  test('the stored bytes come through the endpoint with their type; pending, foreign and unknown ones are 404', async () => {
    const { body } = await mp('rep-a', `/leads/${L.a.id}/chats`);
    const image = body.items.find((m: { msgtype: string }) => m.msgtype === 'image');
    const got = await fetch(`${h.url}${image.media.url}`, { headers: { authorization: `Bearer ${tokens['rep-a']}` } });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await got.arrayBuffer())).toEqual(IMAGE);
    // The manager through the console, at the console's url.
    const viaConsole = await consoleGet('mgr-1', `/leads/${L.a.id}/chats/${image.id}/media`);
    expect(viaConsole.status).toBe(200);
    expect(viaConsole.bytes).toEqual(IMAGE);

    const pending = body.items.find((m: { media: { status: string } | null }) => m.media?.status === 'pending');
    expect(await mp('rep-a', `/leads/${L.a.id}/chats/${pending.id}/media`)).toMatchObject({ status: 404, body: { message: '文件不存在或尚未下载' } });
    // A message of another lead is not reachable through this one; an id nobody has neither.
    const foreign = await ds().getRepository(ChatMessage).findOneByOrFail({ leadId: L.c.id });
    expect((await mp('rep-a', `/leads/${L.a.id}/chats/${foreign.id}/media`)).status).toBe(404);
    expect((await mp('rep-a', `/leads/${L.a.id}/chats/99999999/media`)).status).toBe(404);
    expect((await mp('rep-c', `/leads/${L.a.id}/chats/${image.id}/media`)).status).toBe(404);
    expect((await mp('rep-b', `/leads/${L.pool.id}/chats/${image.id}/media`)).status).toBe(403);
  });

  test('a file that a browser would run (HTML) is sent as an attachment of octet-stream', async () => {
    const { body } = await mp('rep-a', `/leads/${L.a.id}/chats?q=page.html`);
    const r = await mp('rep-a', body.items[0].media.url.replace('/api/mp', ''));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    expect(r.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.bytes.toString()).toBe('<script>alert(1)</script>');
  });
});

describe('search across leads', () => {
  const texts = (r: { body: { items: { text: string }[] } }) => r.body.items.map((m) => m.text);
  const q = encodeURIComponent('价格');

  test("a manager finds their teams' leads' chats only, each with its lead", async () => {
    const r = await mp('mgr-1', `/chats/search?q=${q}`);
    expect(r.status).toBe(200);
    expect(texts(r)).toEqual(['群里问一下价格', '产品手册 价格表', '你好，想了解一下价格']);
    expect(r.body.items.every((m: { lead: { id: number; name: string } }) => m.lead.id === L.a.id && m.lead.name === '王女士')).toBe(true);
  });

  test('an admin finds every lead’s, paging back with nextCursor', async () => {
    const r = await mp('boss', `/chats/search?q=${q}`);
    expect(texts(r)).toEqual(['价格多少', '价格能便宜点吗', '群里问一下价格', '产品手册 价格表', '你好，想了解一下价格']);
    const seen: string[] = [];
    let before: string | null = null;
    do {
      const page = await mp('boss', `/chats/search?q=${q}&limit=2${before ? `&before=${before}` : ''}`);
      seen.push(...texts(page));
      before = page.body.nextCursor;
    } while (before);
    expect(seen).toEqual(texts(r));
    // The console answers the same, its media urls on the console.
    const viaConsole = await consoleGet('boss', `/chats/search?q=${q}`);
    expect(texts(viaConsole)).toEqual(texts(r));
    expect(viaConsole.body.items.map((m: { lead: { name: string } }) => m.lead.name)).toEqual(['公海客户', '赵先生', '王女士', '王女士', '王女士']);
  });

  test('a rep may not search (403); q is required', async () => {
    expect(await mp('rep-a', `/chats/search?q=${q}`)).toMatchObject({ status: 403, body: { message: expect.stringMatching(/[\u4e00-\u9fff]/) } });
    expect((await mp('mgr-1', '/chats/search')).status).toBe(400);
    expect((await mp('mgr-1', '/chats/search?q=')).status).toBe(400);
    expect((await mp('mgr-1', `/chats/search?q=${encodeURIComponent('%')}`)).body.items.map((m: { text: string }) => m.text)).toEqual(['打折 100%_真的吗']);
  });
});

describe('console', () => {
  test('the manager and an admin read a lead’s chats with console media urls; another team’s lead is 404', async () => {
    const r = await consoleGet('mgr-1', `/leads/${L.a.id}/chats?limit=2`);
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(2);
    expect(r.body.nextCursor).toEqual(expect.any(String));
    const all = await consoleGet('boss', `/leads/${L.a.id}/chats`);
    expect(all.body.items.find((m: { msgtype: string }) => m.msgtype === 'image').media.url).toMatch(new RegExp(`^/api/console/leads/${L.a.id}/chats/\\d+/media$`));
    expect((await consoleGet('mgr-1', `/leads/${L.c.id}/chats`)).status).toBe(404);
    expect((await consoleGet('mgr-1', `/leads/${L.a.id}/chats?limit=500`))).toMatchObject({ status: 400, body: { message: '每页条数须为 1 到 100 的整数' } });
  });
});

describe('without a session', () => {
  test('every chat route answers 401 on both surfaces', async () => {
    for (const path of [`/api/mp/leads/${L.a.id}/chats`, `/api/mp/leads/${L.a.id}/chats/1/media`, '/api/mp/chats/search?q=x', `/api/console/leads/${L.a.id}/chats`, `/api/console/leads/${L.a.id}/chats/1/media`, '/api/console/chats/search?q=x']) {
      const r = await fetch(`${h.url}${path}`);
      expect({ path, status: r.status }).toEqual({ path, status: 401 });
      const wrongToken = await fetch(`${h.url}${path}`, { headers: { authorization: 'Bearer nope', cookie: 'xs_console=nope' } });
      expect({ path, status: wrongToken.status }).toEqual({ path, status: 401 });
    }
  });
});

describe('from the archive', () => {
  test('messages pulled from WeCom read back in order; a recalled one is flagged, its number masked', async () => {
    const customer = 'wmViewPulledCustomer0001';
    const lead = await makeLead(ds(), { name: '刘女士', ownerUserId: 'rep-a', externalUserId: customer });
    h.sim.state.msgaudit.defaultStatus = 'Agree';
    h.sim.state.msgaudit.setPermitUsers(['rep-a']);
    h.sim.state.archive.customerText(customer, 'rep-a', '在吗？我的号码是 139 1234 5678', { msgtime: T0 });
    const reply = h.sim.state.archive.repText('rep-a', customer, '在的，稍等', { msgtime: T0 + MIN });
    h.sim.state.archive.recall(reply.msgid, { msgtime: T0 + 2 * MIN });
    await pullArchive(h.runtime.ctx);
    const r = await mp('rep-a', `/leads/${lead.id}/chats`);
    expect(r.body.items.map((m: { text: string; direction: string; recalled: boolean }) => [m.direction, m.text, m.recalled])).toEqual([
      ['rep', '在的，稍等', true],
      ['customer', '在吗？我的号码是 139 **** 5678', false],
    ]);
  });
});

describe('search matches the text as shown: hidden digits are not read back (issue 13)', () => {
  const items = (r: { body: { items: { id: number; text: string }[] } }) => r.body.items.map((m) => m.text);
  const enc = encodeURIComponent;
  /** What a reader can compute from the masked texts they were shown: the search must answer no more. */
  const visibleHits = (shown: { id: number; text: string | null }[], q: string) => shown.filter((m) => m.text?.normalize('NFKC').toLowerCase().includes(q)).map((m) => m.id);

  /** Many messages at once, as ingestion would have stored them. */
  async function messages(lead: Lead, texts: string[], firstAt: number): Promise<void> {
    const rows = texts.map((text, i) => {
      const n = ++msgSeq;
      return {
        msgid: `view-test-${n}`, seq: n, msgtype: 'text', senderKind: 'customer' as const, userId: lead.ownerUserId, externalUserId: lead.externalUserId,
        roomId: null, leadId: lead.id, content: text, body: { content: text }, mediaStatus: null, mediaKey: null, mediaSize: null, recalledAt: null,
        sentAt: firstAt + i * 1000, storedAt: firstAt + i * 1000,
      };
    });
    for (let i = 0; i < rows.length; i += 200) await ds().getRepository(ChatMessage).insert(rows.slice(i, i + 200));
  }

  // These tests ask many times; each starts on fresh sessions, within the mini-program's per-session budget.
  beforeEach(async () => {
    for (const userId of ['rep-a', 'mgr-1']) tokens[userId] = (await signIn(h, userId)).accessToken;
  });

  test('superscript, subscript and full-width digits count as digits: ¹³⁸¹²³⁴ is refused on every search', async () => {
    for (const q of ['¹³⁸¹²³⁴', '¹³⁸⁹⁹⁹⁹', '₁₃₈₁', '１３８', '⑬8']) {
      const own = await mp('rep-a', `/leads/${L.a.id}/chats?q=${enc(q)}`);
      expect({ q, status: own.status, message: own.body.message }).toEqual({ q, status: 400, message: '搜索词最多包含 2 个数字' });
      for (const r of [await mp('mgr-1', `/chats/search?q=${enc(q)}`), await consoleGet('boss', `/chats/search?q=${enc(q)}`)]) {
        expect({ q, status: r.status, message: r.body.message }).toEqual({ q, status: 400, message: '搜索词最多包含 2 个数字' });
      }
    }
    // Two superscript digits are two digits, searched as plain ones: 13 is shown in 138****5678.
    const shown = await mp('rep-a', `/leads/${L.a.id}/chats?q=${enc('¹³')}`);
    expect(items(shown)).toEqual(['您好，我的手机 138****5678，随时联系']);
    // ⁸¹ is 81, which only the hidden digits hold.
    expect(items(await mp('rep-a', `/leads/${L.a.id}/chats?q=${enc('⁸¹')}`))).toEqual([]);
  });

  test('walking the digit after the last visible one gives the same answer for all ten candidates', async () => {
    const replies = async (get: (q: string) => Promise<{ status: number; body: any }>) => {
      const bodies: string[] = [];
      for (let d = 0; d <= 9; d++) {
        const r = await get(`8${d}`);
        expect(r.status).toBe(200);
        bodies.push(JSON.stringify({ items: r.body.items, nextCursor: r.body.nextCursor }));
      }
      return bodies;
    };
    for (const bodies of [
      await replies((q) => mp('rep-a', `/leads/${L.a.id}/chats?q=${q}`)),
      await replies((q) => mp('mgr-1', `/chats/search?q=${q}`)),
      await replies((q) => consoleGet('boss', `/chats/search?q=${q}`)),
    ]) {
      expect(new Set(bodies).size).toBe(1);
    }
    // And the raw text does hold 81: the old search found it.
    expect(await ds().getRepository(ChatMessage).countBy({ leadId: L.a.id, content: '您好，我的手机 13812345678，随时联系' })).toBe(1);
  });

  test('every two-digit word finds exactly the messages whose shown text holds it', async () => {
    // Through the console (the same route code), which has no per-session request budget.
    const shown = (await consoleGet('boss', `/leads/${L.a.id}/chats?limit=100`)).body.items;
    let found = 0;
    for (let n = 0; n < 100; n++) {
      const q = String(n).padStart(2, '0');
      const r = await consoleGet('boss', `/leads/${L.a.id}/chats?q=${q}&limit=100`);
      expect({ q, ids: r.body.items.map((m: { id: number }) => m.id) }).toEqual({ q, ids: visibleHits(shown, q) });
      found += r.body.items.length;
    }
    // 10 and 00 (100%), 13, 38, 56, 67, 78 (138****5678): the words shown are still found.
    expect(found).toBe(7);
  });

  test('a page whose raw matches are mostly hidden digits still fills from older messages', async () => {
    const lead = await makeLead(ds(), { name: '签名客户', ownerUserId: 'rep-a', externalUserId: 'wmViewSignature' });
    // Three older messages show 81; eight newer ones hold 81 only in a masked number.
    await messages(lead, ['会议室 81 见', '81 号楼', '门牌 81'], T0 - 100 * MIN);
    await messages(lead, Array.from({ length: 8 }, (_, i) => `我的电话 13812345678 第${'一二三四五六七八'[i]}次`), T0 - 50 * MIN);
    const first = await mp('rep-a', `/leads/${lead.id}/chats?q=81&limit=2`);
    expect(items(first)).toEqual(['门牌 81', '81 号楼']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await mp('rep-a', `/leads/${lead.id}/chats?q=81&limit=2&before=${first.body.nextCursor}`);
    expect(items(second)).toEqual(['会议室 81 见']);
    expect(second.body.nextCursor).toBeNull();
    expect((await allPages('rep-a', lead.id, 1, '81')).texts).toEqual(['门牌 81', '81 号楼', '会议室 81 见']);
    // The admin's search across leads reads the same.
    const search = await consoleGet('boss', `/chats/search?q=81&limit=2`);
    expect(items(search)).toEqual(['门牌 81', '81 号楼']);
    // Ordinary words are unchanged: a plain word, case-insensitive, in a number's neighbourhood.
    expect(items(await mp('rep-a', `/leads/${lead.id}/chats?q=${enc('电话')}&limit=3`))).toEqual(['我的电话 138****5678 第八次', '我的电话 138****5678 第七次', '我的电话 138****5678 第六次']);
  });

  test('past thousands of messages a page ends where the read stopped, the same whatever the hidden digits say', async () => {
    const lead = await makeLead(ds(), { name: '长聊客户', ownerUserId: 'rep-a', externalUserId: 'wmViewLongChat' });
    // The oldest message shows 81; 8,100 newer ones (more than a request reads) either hold it in a
    // masked number or not at all.
    await messages(lead, ['会议室 81 见'], T0 - 10_000 * MIN);
    await messages(lead, Array.from({ length: 8100 }, (_, i) => (i % 3 === 0 ? '电话 13812345678' : '好的')), T0 - 9000 * MIN);
    const firsts: string[] = [];
    for (let d = 0; d <= 9; d++) {
      const r = await mp('rep-a', `/leads/${lead.id}/chats?q=8${d}&limit=5`);
      expect(r.status).toBe(200);
      firsts.push(JSON.stringify(r.body.items) + r.body.nextCursor);
    }
    expect(new Set(firsts).size).toBe(1);
    // The first reply is empty but says to read on; reading on finds the old message.
    const first = await mp('rep-a', `/leads/${lead.id}/chats?q=81&limit=5`);
    expect(first.body.items).toEqual([]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect((await allPages('rep-a', lead.id, 5, '81')).texts).toEqual(['会议室 81 见']);
    // The lead's chats without a word page as before.
    const latest = await mp('rep-a', `/leads/${lead.id}/chats?limit=3`);
    expect(items(latest)).toEqual(['好的', '好的', '电话 138****5678']);
  });
});

import { chatRows, firstPage, formatBytes, hitSummary, minutesText, olderPage, responseTimesLine } from '../utils/chats';
import { fixtures } from './fixtures';
import { freezeDate, unfreezeDate } from './support/clock';
import { openPage, settle, useWxFake } from './support/render';

const wx = useWxFake();
const downloads: { url: string; header: Record<string, string> }[] = [];
const clipboard: string[] = [];

beforeEach(() => {
  freezeDate('2026-12-01T04:00:00.000Z'); // 12:00 in Shanghai
  downloads.length = 0;
  clipboard.length = 0;
  const runtime = (globalThis as any).wx;
  runtime.downloadFile = (options: { url: string; header: Record<string, string>; success: (r: unknown) => void }) => {
    downloads.push({ url: options.url, header: options.header });
    setTimeout(() => options.success({ statusCode: 200, tempFilePath: `wxfile://tmp/${downloads.length}` }), 0);
  };
  runtime.setClipboardData = (options: { data: string }) => void clipboard.push(options.data);
  runtime.previewImage = () => undefined;
});
afterEach(() => unfreezeDate());

const CHATS = '/api/mp/leads/101/chats';

describe('chat formatting (utils/chats)', () => {
  it('bubbles read oldest first: customer left, rep right, a time line after a gap of more than five minutes', () => {
    const rows = chatRows(fixtures.leadChats().items);
    expect(rows.map((r) => [r.id, r.side, r.separator])).toEqual([
      [2, 'left', '今天 09:00'],
      [3, 'right', ''],
      [4, 'left', ''],
      [5, 'left', '今天 09:20'],
      [6, 'left', '今天 09:27'],
      [7, 'right', ''],
      [8, 'right', ''],
      [9, 'left', ''],
    ]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(5)!.group).toBe('群聊「华东客户交流群」');
    expect(byId.get(4)!.recalled).toBe(true);
    expect(byId.get(6)).toMatchObject({ kind: 'image', mediaUrl: '/api/mp/leads/101/chats/6/media' });
    expect(byId.get(7)).toMatchObject({ kind: 'file', title: '报价单.pdf', detail: '2.0 KB', mediaUrl: '', mediaNote: '文件下载中，请稍后查看' });
    expect(byId.get(8)).toMatchObject({ kind: 'link', title: '产品手册', detail: '价格表', link: 'https://example.com/p' });
    expect(byId.get(9)).toMatchObject({ kind: 'voice', title: '语音', detail: '7 秒' });
  });

  it('a message type without its own card reads as a bracketed label', () => {
    const [weapp] = chatRows([{ ...fixtures.leadChats().items[7], id: 99, msgtype: 'redpacket', text: null }]);
    expect(weapp.text).toBe('[红包]');
  });

  it('response times: first, average and how long the customer has waited; nothing when there is nothing', () => {
    expect(responseTimesLine(fixtures.leadChats().responseTimes)).toBe('首次响应 1 分钟 · 平均 2.5 分钟 · 客户已等待 30 分钟');
    expect(responseTimesLine(fixtures.leadChatsEmpty().responseTimes)).toBe('');
    expect(responseTimesLine({ firstResponseMinutes: 75.4, averageResponseMinutes: 12.26, responses: 3, waitingSince: null })).toBe('首次响应 75 分钟 · 平均 12 分钟');
    expect(minutesText(0.5)).toBe('0.5');
  });

  it('sizes and search summaries', () => {
    expect([formatBytes(512), formatBytes(2048), formatBytes(1.5 * 1024 * 1024), formatBytes(null)]).toEqual(['512 B', '2.0 KB', '1.5 MB', '']);
    const [first, second] = fixtures.chatSearch().items;
    expect(hitSummary(first)).toBe('赵先生：价格能便宜点吗');
    expect(hitSummary({ ...second, recalled: true })).toBe('王小明：（已撤回）群里问一下价格');
    expect(hitSummary({ ...second, msgtype: 'image', text: null })).toBe('王小明：[图片]');
  });

  it('paging: the first page replaces, an older page goes after, a message seen twice is kept once', () => {
    const first = firstPage(fixtures.leadChats());
    const older = olderPage(first, { items: [fixtures.leadChats().items[7], ...fixtures.leadChatsOlder().items], nextCursor: null });
    expect(older.items.map((m) => m.id)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(older.nextCursor).toBeNull();
    expect(firstPage(fixtures.leadChatsEmpty()).items).toEqual([]);
  });
});

async function openLeadChats(...replies: Parameters<typeof wx.on>[2][]) {
  wx.signIn(fixtures.loginRep());
  wx.on('GET', '/api/mp/leads/101', { body: fixtures.leadDetail() });
  wx.on('GET', '/api/mp/leads/101/nurture', { body: fixtures.leadNurture() });
  wx.on('GET', CHATS, ...(replies.length ? replies : [{ body: fixtures.leadChats() }]));
  const page = await openPage('lead', { id: '101' });
  return page;
}

const chatsText = (page: Awaited<ReturnType<typeof openLeadChats>>) => page.texts('section').find((t) => t.startsWith('聊天记录')) ?? '';

describe('lead detail: 聊天记录', () => {
  it('loads only when opened; then shows bubbles, the group, 已撤回, the response times line, and images through wx.downloadFile with the session', async () => {
    const page = await openLeadChats();
    expect(wx.sent('GET', CHATS)).toHaveLength(0);
    await page.tap('#lead-chats >>> #chats-toggle');
    await settle();
    expect(wx.last('GET', CHATS).query).toEqual({ limit: '30' });
    const text = chatsText(page);
    for (const seen of ['你好，想了解一下价格', '您好，我的手机 138****5678', '已撤回', '华东客户交流群', '报价单.pdf', '产品手册', '7 秒', '首次响应 1 分钟 · 平均 2.5 分钟 · 客户已等待 30 分钟', '加载更早的消息', '今天 09:00']) {
      expect(text).toContain(seen);
    }
    expect(page.texts('chat__recalled')).toEqual(['已撤回']);
    // The image: downloaded with the bearer token, shown from the temp file.
    expect(downloads).toEqual([{ url: 'http://127.0.0.1:3000/api/mp/leads/101/chats/6/media', header: { Authorization: 'Bearer at-zhangsan-1' } }]);
    expect(page.query('#lead-chats').instance.data.images).toEqual({ 6: 'wxfile://tmp/1' });
  });

  it('加载更早的消息 pages back with before = nextCursor, and the link disappears at the start', async () => {
    const page = await openLeadChats({ body: fixtures.leadChats() }, { body: fixtures.leadChatsOlder() });
    await page.tap('#lead-chats >>> #chats-toggle');
    await page.tap('#lead-chats >>> #chats-older');
    expect(wx.last('GET', CHATS).query).toEqual({ before: fixtures.leadChats().nextCursor, limit: '30' });
    const text = chatsText(page);
    expect(text).toContain('最早的一条');
    expect(text.indexOf('最早的一条')).toBeLessThan(text.indexOf('你好，想了解一下价格'));
    expect(page.exists('#lead-chats >>> #chats-older')).toBe(false);
  });

  it('the search box filters this lead’s chats; 清除 brings all back', async () => {
    const page = await openLeadChats({ body: fixtures.leadChats() }, { body: fixtures.leadChatsEmpty() }, { body: fixtures.leadChats() });
    await page.tap('#lead-chats >>> #chats-toggle');
    await page.type('#lead-chats >>> #chats-query', ' 报价 ');
    await page.tap('#lead-chats >>> #chats-search');
    expect(wx.last('GET', CHATS).query).toEqual({ q: '报价', limit: '30' });
    expect(chatsText(page)).toContain('没有找到相关聊天记录');
    await page.tap('#lead-chats >>> #chats-clear');
    expect(wx.last('GET', CHATS).query).toEqual({ limit: '30' });
    expect(chatsText(page)).toContain('你好，想了解一下价格');
  });

  it('a file not stored yet says why when tapped; a link is copied', async () => {
    const page = await openLeadChats();
    await page.tap('#lead-chats >>> #chats-toggle');
    await page.tap('#lead-chats >>> #chat-media-7');
    expect(wx.toasts).toEqual(['文件下载中，请稍后查看']);
    await page.tap('#lead-chats >>> #chat-link-8');
    expect(clipboard).toEqual(['https://example.com/p']);
  });

  it('empty, archive off, no permission (403) and an error with 重试', async () => {
    let page = await openLeadChats({ body: fixtures.leadChatsEmpty() });
    await page.tap('#lead-chats >>> #chats-toggle');
    expect(chatsText(page)).toContain('暂无聊天记录');

    page = await openLeadChats({ body: { ...fixtures.leadChatsEmpty(), archive: { on: false } } });
    await page.tap('#lead-chats >>> #chats-toggle');
    expect(chatsText(page)).toContain('未开启会话存档');

    page = await openLeadChats({ status: 403, body: { error: 'forbidden', message: '聊天记录仅线索负责人及其主管可见' } });
    await page.tap('#lead-chats >>> #chats-toggle');
    expect(chatsText(page)).toContain('聊天记录仅线索负责人及其主管可见');

    page = await openLeadChats({ status: 500, body: fixtures.errors.internal() }, { body: fixtures.leadChats() });
    await page.tap('#lead-chats >>> #chats-toggle');
    expect(chatsText(page)).toContain('服务器开小差了，请稍后重试');
    await page.tap('#lead-chats >>> #chats-retry');
    expect(chatsText(page)).toContain('你好，想了解一下价格');
    expect(wx.toasts).toEqual([]);
  });
});

describe('聊天搜索 (managers)', () => {
  const SEARCH = '/api/mp/chats/search';

  it('the lead list links managers to it', async () => {
    wx.signIn(fixtures.loginManager());
    wx.on('GET', '/api/mp/leads', { body: fixtures.leadsMinePage1() });
    wx.on('GET', '/api/mp/stages', { body: fixtures.stages() });
    wx.on('GET', '/api/mp/tags', { body: fixtures.tags() });
    const page = await openPage('leads');
    await page.tap('#go-chat-search');
    expect(wx.navigations).toContainEqual({ kind: 'navigateTo', url: '/pages/chat-search/chat-search' });
  });

  it('lists hits with their lead, pages on scrolling, and a tap opens the lead', async () => {
    wx.signIn(fixtures.loginManager());
    wx.on('GET', SEARCH, { body: fixtures.chatSearch() }, { body: { items: [], nextCursor: null } });
    const page = await openPage('chat-search');
    expect(page.text()).toContain('输入关键词，搜索您团队线索的聊天记录');
    await page.type('#chat-search-query', '价格');
    await page.tap('#chat-search-go');
    expect(wx.last('GET', SEARCH).query).toEqual({ q: '价格', limit: '20' });
    expect(page.texts('hit__lead')).toEqual(['赵先生', '王小明']);
    expect(page.texts('hit__summary')).toEqual(['赵先生：价格能便宜点吗', '王小明：群里问一下价格']);
    expect(page.texts('hit__group')).toEqual(['群聊「华东客户交流群」']);
    await page.lifecycle('onReachBottom');
    expect(wx.last('GET', SEARCH).query).toEqual({ q: '价格', before: fixtures.chatSearch().nextCursor, limit: '20' });
    expect(page.text()).toContain('没有更多了');
    await page.tap('#hit-1');
    expect(wx.navigations).toContainEqual({ kind: 'navigateTo', url: '/pages/lead/lead?id=101' });
  });

  it('an empty page with a nextCursor (nothing in the windows the server read) reads further back before saying 没有找到', async () => {
    wx.signIn(fixtures.loginManager());
    wx.on('GET', SEARCH, { body: { items: [], nextCursor: 'chatsearch:older' } }, { body: fixtures.chatSearch() }, { body: { items: [], nextCursor: null } });
    const page = await openPage('chat-search');
    await page.type('#chat-search-query', '价格');
    await page.tap('#chat-search-go');
    expect(wx.sent('GET', SEARCH).map((r) => r.query.before)).toEqual([undefined, 'chatsearch:older']);
    expect(page.texts('hit__lead')).toEqual(['赵先生', '王小明']);
    expect(page.text()).not.toContain('没有找到相关聊天记录');
  });

  it('nothing found, an empty word, and a refusal say so in Chinese', async () => {
    wx.signIn(fixtures.loginManager());
    wx.on('GET', SEARCH, { body: { items: [], nextCursor: null } }, { status: 403, body: { error: 'forbidden', message: '聊天记录搜索仅主管和管理员可用' } });
    const page = await openPage('chat-search');
    await page.tap('#chat-search-go');
    expect(wx.toasts).toEqual(['请输入搜索词']);
    await page.type('#chat-search-query', '价格');
    await page.tap('#chat-search-go');
    expect(page.text()).toContain('没有找到相关聊天记录');
    await page.tap('#chat-search-go');
    expect(page.text()).toContain('聊天搜索仅主管可用');
  });
});

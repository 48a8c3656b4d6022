import { DEMO_CHAT_CUSTOMERS, DEMO_CHAT_GROUP } from '../../server/src/archive/demo/seed-demo-chats';
import { pullArchive } from '../../server/src/archive/ingest/pull-archive';
import { ChatMessage } from '../../server/src/archive/messages/chat-message.entity';
import { Like } from 'typeorm';
import { Lead } from '../../server/src/leads/lead.entity';
import { makeLead } from '../../server/test/support/factories';
import { describeInBrowser, screenshot, useDemoInBrowser } from './support/browser';
import { signIn, type DemoServer } from './support/demo-server';

/**
 * The chat archive in the console, against the demo server (archive on, the demo chats seeded by
 * archive/demo/seed-demo-chats.ts): a lead's 聊天记录 tab as the manager 王五 reads it, the lead's
 * own search, the 聊天搜索 area with highlighted matches, lead links and paging, and the states a
 * reader meets: a lead whose chats are not theirs to read, and the archive off.
 */
describeInBrowser('console: the chat archive', () => {
  // These waited in vain for the page (30 s) in two runs out of about ten, in CI and here, and
  // passed on every run since; the cause is not found yet. A failure is retried (each test starts
  // on a fresh page) and its first error is logged, so a real regression still fails.
  jest.retryTimes(2, { logErrorsBeforeRetry: true });
  const demo = useDemoInBrowser();
  const [chen, liu] = DEMO_CHAT_CUSTOMERS;

  const leadOf = (externalUserId: string) => demo.server.runtime.ctx.dataSource.getRepository(Lead).findOneByOrFail({ externalUserId });

  it("a lead's 聊天记录: bubbles by side, the group's name, 已撤回, the picture inline, cards, response times, older pages, a search", async () => {
    const page = demo.page;
    const lead = await leadOf(chen.externalUserId);
    // The picture and the file arrive through the archive.media job after the pull.
    await mediaStored(demo.server);

    await signIn(page, demo.server, '王五');
    await page.goto(`${demo.server.url}/console/leads/${lead.id}`);
    await page.getByTestId('lead-name').getByText(chen.name).waitFor();
    await page.getByTestId('lead-tabs').getByText('聊天记录').click();
    await page.waitForURL(/tab=chats/);
    const thread = page.getByTestId('chats-thread');
    await thread.waitFor();

    // The latest page: the customer on the left, the rep on the right.
    const last = thread.locator('[data-direction]').last();
    expect(await last.getAttribute('data-direction')).toBe('rep');
    await last.getByText('好的，明天十点见。').waitFor();
    const customerSide = thread.locator('[data-direction="customer"]', { hasText: '方便，上午十点吧' });
    expect(await customerSide.evaluate((el) => getComputedStyle(el).alignItems)).toBe('flex-start');
    expect(await last.evaluate((el) => getComputedStyle(el).alignItems)).toBe('flex-end');

    // The customer's message in the group carries the group's name.
    const inGroup = thread.locator('[data-direction="customer"]', { hasText: '试用账号什么时候能开通' });
    await inGroup.getByTestId('chat-room').getByText(`群聊：${DEMO_CHAT_GROUP.name}`).waitFor();

    // The picture is shown inline from the media route, with the session cookie.
    const image = thread.getByTestId('chat-image').first();
    await image.waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="chat-image"]');
      return !!img && img.complete && img.naturalWidth > 0;
    });

    // Response times: 张三 first answered after 6 minutes; nobody is waiting.
    await page.getByTestId('chats-first-response').getByText('6 分钟').waitFor();
    expect(await page.getByTestId('chats-average-response').innerText()).toMatch(/^\d+(\.\d)? 分钟$/);
    expect(await page.getByTestId('chats-waiting').innerText()).toBe('无');

    // Older messages, page by page, until the first one.
    expect(await thread.getByText('你好，我们是做少儿编程培训的').count()).toBe(0);
    await page.getByTestId('chats-older').click();
    await thread.getByText(/你好，我们是做少儿编程培训的/).waitFor();
    await page.getByTestId('chats-start').getByText('已经是最早的消息了').waitFor();
    // The file, the link, and the recalled message (its number masked), tagged 已撤回.
    await thread.getByTestId('chat-file').getByText('沪上教育-报价单.pdf').waitFor();
    expect(await thread.getByTestId('chat-file-download').getAttribute('href')).toMatch(new RegExp(`/api/console/leads/${lead.id}/chats/\\d+/media$`));
    await thread.getByTestId('chat-link').getByText('线索通 · 教育行业方案').waitFor();
    const recalled = thread.locator('[data-direction="rep"]', { has: page.getByTestId('chat-recalled') });
    expect(await recalled.count()).toBe(1);
    expect(await recalled.innerText()).toContain('138****5678');
    expect(await thread.innerText()).not.toContain('13812345678');
    await screenshot(page, 'lead-chats');

    // The lead's own search: only the matches, the word marked.
    await page.getByTestId('chats-q').fill('试用');
    await page.getByTestId('chats-search').click();
    await page.getByTestId('chats-searching').getByText(/搜索「试用」/).waitFor();
    await waitFor(async () => (await thread.locator('[data-direction]').count()) === 4);
    expect(await thread.getByTestId('chat-match').count()).toBe(4);
    expect(await thread.getByText('好的，明天十点见。').count()).toBe(0);
    await page.getByTestId('chats-q').fill('没有这句话');
    await page.getByTestId('chats-search').click();
    await page.getByTestId('chats-empty').getByText('没有包含「没有这句话」的聊天记录').waitFor();
  });

  it('a customer still waiting shows how long; a lead without chats says so', async () => {
    const page = demo.page;
    const waiting = await leadOf(liu.externalUserId);
    await signIn(page, demo.server, '王五');
    await page.goto(`${demo.server.url}/console/leads/${waiting.id}?tab=chats`);
    await page.getByTestId('chats-thread').getByText('方便的话回个电话').waitFor();
    expect(await page.getByTestId('chats-waiting').innerText()).toMatch(/^1(\.\d)? 小时$/);
    expect(await page.getByTestId('chats-first-response').innerText()).toBe('暂无');

    const quiet = await makeLead(demo.server.runtime.ctx.dataSource, { name: '没聊过的客户', ownerUserId: 'zhangsan', source: 'wecom' });
    await page.goto(`${demo.server.url}/console/leads/${quiet.id}?tab=chats`);
    await page.getByTestId('chats-empty').getByText('还没有聊天记录').waitFor();
  });

  it('聊天搜索: matches across leads, highlighted, each linked to its lead\'s chats, paged', async () => {
    const page = demo.page;
    // Enough matches for two pages (20 a page): the waiting customer writes on (once, also when retried).
    const played = await demo.server.runtime.ctx.dataSource.getRepository(ChatMessage).countBy({ content: Like('%预算还在申请%') });
    if (played === 0) {
      for (let i = 0; i < 23; i++) demo.server.simulator.state.archive.customerText(liu.externalUserId, liu.rep, `补充说明第${String.fromCharCode(0x4e00 + i)}条：预算还在申请`, { msgtime: Date.now() - 60 * 60_000 + i * 1000 });
      await pullArchive(demo.server.runtime.ctx);
    }

    await signIn(page, demo.server, '王五');
    await page.getByTestId('menu-chats').click();
    await page.waitForURL(/\/console\/chats/);
    await page.getByTestId('chat-search-idle').waitFor();

    await page.getByTestId('chat-search-q').fill('报价');
    await page.getByTestId('chat-search-submit').click();
    await page.waitForURL(/q=/);
    const table = page.getByTestId('chat-search-table');
    await table.getByText('沪上教育-报价单.pdf').waitFor();
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(4);
    expect(await table.getByTestId('chat-match').allInnerTexts()).toEqual(Array(4).fill('报价'));
    await table.getByText('已撤回').waitFor();
    expect(await table.innerText()).toContain(chen.name);
    await screenshot(page, 'chat-search');

    // Paging: 23 matches, 20 a page.
    await page.getByTestId('chat-search-q').fill('预算还在申请');
    await page.getByTestId('chat-search-submit').click();
    await waitFor(async () => (await rows.count()) === 20);
    await page.getByTestId('chat-search-next').click();
    await waitFor(async () => (await rows.count()) === 3);
    await page.getByText('第 2 页').waitFor();
    await page.getByTestId('chat-search-prev').click();
    await waitFor(async () => (await rows.count()) === 20);

    // A result's lead opens on its chats.
    const lead = await leadOf(liu.externalUserId);
    await table.locator(`[data-testid^="chat-hit-lead-"]`).first().click();
    await page.waitForURL(new RegExp(`/console/leads/${lead.id}\\?tab=chats`));
    await page.getByTestId('chats-thread').getByText(/预算还在申请/).first().waitFor();

    // Nothing found, and a word the server refuses, say so.
    await page.goto(`${demo.server.url}/console/chats?q=${encodeURIComponent('不存在的内容')}`);
    await table.getByText('没有包含「不存在的内容」的聊天记录').waitFor();
    await page.getByTestId('chat-search-q').fill('138123');
    await page.getByTestId('chat-search-submit').click();
    await page.getByTestId('chat-search-error').getByText('搜索词最多包含 2 个数字').waitFor();
  });

  it('a pool lead\'s chats are not for the manager browsing the pool; with the archive off the tab says so', async () => {
    const page = demo.page;
    const ds = demo.server.runtime.ctx.dataSource;
    const pooled = await makeLead(ds, { name: '公海里的客户', ownerUserId: null, inPool: true, source: 'wecom' });
    await signIn(page, demo.server, '王五');
    await page.goto(`${demo.server.url}/console/leads/${pooled.id}?tab=chats`);
    await page.getByTestId('chats-forbidden').getByText('聊天记录仅线索负责人及其主管可见').waitFor();

    const ctx = demo.server.runtime.ctx;
    const archive = ctx.archive;
    const lead = await leadOf(chen.externalUserId);
    ctx.archive = undefined;
    try {
      await page.goto(`${demo.server.url}/console/leads/${lead.id}?tab=chats`);
      await page.getByTestId('chats-archive-off').getByText('未开启会话存档').waitFor();
      await screenshot(page, 'lead-chats-archive-off');
    } finally {
      ctx.archive = archive;
    }
  });
});

async function mediaStored(server: DemoServer): Promise<void> {
  await waitFor(async () => {
    const media = await server.runtime.ctx.dataSource.getRepository(ChatMessage).find({ where: [{ msgtype: 'image' }, { msgtype: 'file' }] });
    return media.length === 2 && media.every((m) => m.mediaStatus === 'stored');
  });
}

async function waitFor(check: () => Promise<unknown>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}


import type { Browser, Page } from 'playwright-core';
import { WecomDriver } from '../../server/src/wecom/simulator';
import { describeInBrowser, launch, newPage, screenshot } from './support/browser';
import { signIn, startDemoServer, type DemoServer } from './support/demo-server';

describeInBrowser('console: operations — queues and dead letters, with replay', () => {
  let server: DemoServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startDemoServer();
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  beforeEach(async () => {
    page = await newPage(browser);
  });
  afterEach(async () => {
    server.simulator.faults.clear();
    await page.context().close();
  });

  /** WeCom posting a callback to the demo, signed with the demo's own token and key. */
  const driver = () => {
    const wecom = server.runtime.ctx.config.wecom;
    return new WecomDriver({ callbackUrl: `${server.url}/wecom/callback`, token: wecom.callbackToken, encodingAesKey: wecom.callbackAesKey, corpId: wecom.corpId, simulator: server.simulator });
  };

  it('a dead letter shows in the list with its reason in Chinese; replayed, it leaves the list and the replay names the member', async () => {
    // Someone edits the corp tags in WeCom, and WeCom refuses (for good) to let us re-read them:
    // the event is dead-lettered at once.
    server.simulator.faults.inject({ path: 'externalcontact/get_corp_tag_list', errcode: 48002, errmsg: 'api forbidden', times: 5 });
    await driver().tagChanged({ id: 'etDemoTag01', tagType: 'tag', changeType: 'create' });
    const dead = await waitFor(async () => {
      const items = (await server.admin('GET', '/api/admin/inbox?status=dead')).body.items as Array<{ id: number; kind: string }>;
      return items.find((i) => i.kind === 'tag.changed');
    });
    server.simulator.faults.clear(); // the cause is fixed

    await signIn(page, server, '孙七');
    await page.getByTestId('menu-operations').click();
    await page.waitForURL(/\/console\/operations/);
    const table = page.getByTestId('queue-table');
    const row = table.locator('tr', { has: page.getByTestId(`replay-inbox-${dead.id}`) });
    await row.waitFor();
    await row.getByText('企业标签变更').waitFor();
    await row.getByText('企业微信「读取企业标签」失败：错误码 48002：接口无权限调用').waitFor();
    expect(Number(await page.getByTestId('queue-inbox-dead').locator('.el-statistic__number').innerText())).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'operations');

    await page.getByTestId(`replay-inbox-${dead.id}`).click();
    // A confirmation first, then the replay.
    const dialog = page.locator('.el-message-box');
    await dialog.getByText(`重新处理「企业标签变更」#${dead.id}`).waitFor();
    await dialog.getByRole('button', { name: '重新处理' }).click();
    await page.getByText('已重新排队处理，记录的操作人是您').waitFor();
    // Gone from the dead letters.
    await page.getByTestId(`replay-inbox-${dead.id}`).waitFor({ state: 'detached' });
    await page.getByTestId('queue-empty').getByText('没有死信，一切正常').waitFor();

    // Handled this time, and audited under 孙七, not 管理员.
    await waitFor(async () => ((await server.admin('GET', '/api/admin/inbox?status=done&limit=200')).body.items as Array<{ id: number }>).some((i) => i.id === dead.id));
    const audit = (await server.admin('GET', '/api/admin/audit?action=queue.replay')).body.items;
    expect(audit).toEqual([expect.objectContaining({ actorUserId: 'sunqi', action: 'queue.replay' })]);

    // Done rows are one click away.
    await page.getByTestId('status-filter').click();
    await page.locator('.el-select-dropdown__item', { hasText: '已完成' }).click();
    await table.locator('tr', { hasText: String(dead.id) }).getByText('已完成').first().waitFor();
  });

  it('a manager sees neither operations nor the setup check, and is sent away from their address', async () => {
    await signIn(page, server, '王五');
    await page.getByTestId('signed-in-as').getByText('王五（主管）').waitFor();
    expect(await page.getByTestId('menu-operations').count()).toBe(0);
    expect(await page.getByTestId('menu-setup-check').count()).toBe(0);
    await page.goto(`${server.url}/console/operations`);
    await page.waitForURL((url) => !url.pathname.startsWith('/console/operations'));
    const status = await page.evaluate(async () => (await fetch('/api/console/operations/queues')).status);
    expect(status).toBe(403);
  });
});

async function waitFor<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

import type { Page } from 'playwright-core';
import { WecomDriver } from '../../server/src/wecom/simulator';
import { describeInBrowser, screenshot, useDemoInBrowser } from './support/browser';
import { signIn } from './support/demo-server';

describeInBrowser('console: operations — queues and dead letters, with replay', () => {
  const demo = useDemoInBrowser();

  /** WeCom posting a callback to the demo, signed with the demo's own token and key. */
  const driver = () => {
    const wecom = demo.server.runtime.ctx.config.wecom;
    return new WecomDriver({ callbackUrl: `${demo.server.url}/wecom/callback`, token: wecom.callbackToken, encodingAesKey: wecom.callbackAesKey, corpId: wecom.corpId, simulator: demo.server.simulator });
  };

  it('a dead letter shows in the list with its reason in Chinese; replayed, it leaves the list and the replay names the member', async () => {
    // Someone edits the corp tags in WeCom, and WeCom refuses (for good) to let us re-read them:
    // the event is dead-lettered at once.
    demo.server.simulator.faults.inject({ path: 'externalcontact/get_corp_tag_list', errcode: 48002, errmsg: 'api forbidden', times: 5 });
    await driver().tagChanged({ id: 'etDemoTag01', tagType: 'tag', changeType: 'create' });
    const dead = await waitFor(async () => {
      const items = (await demo.server.admin('GET', '/api/admin/inbox?status=dead')).body.items as Array<{ id: number; kind: string }>;
      return items.find((i) => i.kind === 'tag.changed');
    });
    demo.server.simulator.faults.clear(); // the cause is fixed

    await signIn(demo.page, demo.server, '孙七');
    await demo.page.getByTestId('menu-operations').click();
    await demo.page.waitForURL(/\/console\/operations/);
    const table = demo.page.getByTestId('queue-table');
    const row = table.locator('tr', { has: demo.page.getByTestId(`replay-inbox-${dead.id}`) });
    await row.waitFor();
    await row.getByText('企业标签变更').waitFor();
    await row.getByText('企业微信「读取企业标签」失败：错误码 48002：接口无权限调用').waitFor();
    expect(Number(await demo.page.getByTestId('queue-inbox-dead').locator('.el-statistic__number').innerText())).toBeGreaterThanOrEqual(1);
    await screenshot(demo.page, 'operations');

    await demo.page.getByTestId(`replay-inbox-${dead.id}`).click();
    // A confirmation first, then the replay.
    const dialog = demo.page.locator('.el-message-box');
    await dialog.getByText(`重新处理「企业标签变更」#${dead.id}`).waitFor();
    await dialog.getByRole('button', { name: '重新处理' }).click();
    await demo.page.getByText('已重新排队处理，记录的操作人是您').waitFor();
    // Gone from the dead letters.
    await demo.page.getByTestId(`replay-inbox-${dead.id}`).waitFor({ state: 'detached' });
    await demo.page.getByTestId('queue-empty').getByText('没有死信，一切正常').waitFor();

    // Handled this time, and audited under 孙七, not 管理员.
    await waitFor(async () => ((await demo.server.admin('GET', '/api/admin/inbox?status=done&limit=200')).body.items as Array<{ id: number }>).some((i) => i.id === dead.id));
    const audit = (await demo.server.admin('GET', '/api/admin/audit?action=queue.replay')).body.items;
    expect(audit).toEqual([expect.objectContaining({ actorUserId: 'sunqi', action: 'queue.replay' })]);

    // Done rows are one click away.
    await demo.page.getByTestId('status-filter').click();
    await demo.page.locator('.el-select-dropdown__item', { hasText: '已完成' }).click();
    await table.locator('tr', { hasText: String(dead.id) }).getByText('已完成').first().waitFor();
  });

  it('a manager sees neither operations nor the setup check, and is sent away from their address', async () => {
    await signIn(demo.page, demo.server, '王五');
    await demo.page.getByTestId('signed-in-as').getByText('王五（主管）').waitFor();
    expect(await demo.page.getByTestId('menu-operations').count()).toBe(0);
    expect(await demo.page.getByTestId('menu-setup-check').count()).toBe(0);
    await demo.page.goto(`${demo.server.url}/console/operations`);
    await demo.page.waitForURL((url) => !url.pathname.startsWith('/console/operations'));
    const status = await demo.page.evaluate(async () => (await fetch('/api/console/operations/queues')).status);
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

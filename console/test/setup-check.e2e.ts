import type { Page } from 'playwright-core';
import { describeInBrowser, screenshot, useDemoInBrowser } from './support/browser';
import { signIn } from './support/demo-server';

const CHECKS = ['contact_token', 'agent_token', 'trusted_ip', 'contact_permission', 'callback', 'follow_users', 'corp_tags', 'chat_archive'];

describeInBrowser('console: the setup check 「接入检查」', () => {
  const demo = useDemoInBrowser();

  const checkCard = (key: string) => demo.page.getByTestId(`check-${key}`);
  const summary = () => demo.page.getByTestId('check-summary');

  it('all green on the demo; a simulated 60020 is flagged with the fix in plain Chinese, naming the IP', async () => {
    // A customer has added a rep, so a callback has arrived.
    const channels = (await demo.server.admin('GET', '/api/admin/channels')).body.items as Array<{ id: number; state: string }>;
    expect((await demo.server.admin('POST', '/api/admin/demo/simulate-add', { channelId: channels.find((c) => c.state === 'demoexpo')!.id, name: '检查访客' })).status).toBe(202);

    await signIn(demo.page, demo.server, '孙七');
    await demo.page.getByTestId('menu-setup-check').click();
    await demo.page.waitForURL(/\/console\/setup-check/);
    await demo.page.waitForSelector('[data-testid="check-summary"][data-status="ok"]');
    await summary().getByText('全部通过：企业微信接入正常').waitFor();
    for (const key of CHECKS) {
      expect(await checkCard(key).getAttribute('data-status')).toBe('ok');
      expect(await checkCard(key).getByTestId('check-fix').count()).toBe(0);
    }
    await checkCard('follow_users').getByText(/本系统的 2 名销售都在其中/).waitFor();

    // WeCom refuses this server's address, as it does for an IP missing from 企业可信IP.
    demo.server.simulator.faults.inject({
      path: 'externalcontact/get_follow_user_list',
      errcode: 60020,
      errmsg: 'not allow to access from your ip, hint: [1733000000_12_abc], from ip: 203.0.113.7, more info at https://open.work.weixin.qq.com/devtool/query?e=60020',
      times: 3,
    });
    await demo.page.getByTestId('run-check').click();
    await demo.page.waitForSelector('[data-testid="check-trusted_ip"][data-status="failed"]');
    await checkCard('trusted_ip').getByTestId('check-found').getByText('企业微信拒绝了来自 203.0.113.7 的调用（错误码 60020：服务器 IP 不在企业可信 IP 中）').waitFor();
    await checkCard('trusted_ip')
      .getByTestId('check-fix')
      .getByText('在企业微信管理后台 → 应用管理 → 自建应用 → 企业可信IP 中加入本服务器的出口 IP 203.0.113.7，保存后重新检查')
      .waitFor();
    await summary().getByText(/有 1 项未通过/).waitFor();
    expect(await summary().getAttribute('data-status')).toBe('failed');
    // What depended on the refused call says so rather than guessing.
    expect(await checkCard('contact_permission').getAttribute('data-status')).toBe('warning');
    expect(await checkCard('contact_token').getAttribute('data-status')).toBe('ok');
    await demo.page.mouse.move(0, 0); // no hover colour on the button in the picture
    await screenshot(demo.page, 'setup-check');

    // Fixed in WeCom: green again.
    demo.server.simulator.faults.clear();
    await demo.page.getByTestId('run-check').click();
    await demo.page.waitForSelector('[data-testid="check-summary"][data-status="ok"]');
  });
});

import type { Page } from 'playwright-core';
import { describeInBrowser, screenshot, useDemoInBrowser } from './support/browser';
import { signIn } from './support/demo-server';

describeInBrowser('console: WeCom web login and the dashboard', () => {
  const demo = useDemoInBrowser();

  it('a page of the console sends a stranger to sign in; a rep without a console role is turned away with the reason', async () => {
    await demo.page.goto(`${demo.server.url}/console/leads`);
    await demo.page.waitForURL(/\/console\/login\?next=/);
    await demo.page.getByTestId('wecom-login').click();
    // The simulator's stand-in for WeCom's QR-code page lists the corp's members.
    await demo.page.getByText('企业微信登录（模拟器）').waitFor();
    await demo.page.getByRole('link', { name: /张三/ }).click();
    await demo.page.waitForURL(/\/console\/login\?error=not_console_member/);
    await demo.page.getByTestId('login-error').getByText('只有管理员和主管可以登录管理后台').waitFor();
  });

  it('the admin signs in through the simulated WeCom login and sees adds on the dashboard, drawn as charts with data', async () => {
    const channels = (await demo.server.admin('GET', '/api/admin/channels')).body.items as Array<{ id: number; state: string }>;
    const expo = channels.find((c) => c.state === 'demoexpo')!;
    for (const name of ['展会访客甲', '展会访客乙', '展会访客丙']) {
      expect((await demo.server.admin('POST', '/api/admin/demo/simulate-add', { channelId: expo.id, name })).status).toBe(202);
    }

    await signIn(demo.page, demo.server, '孙七');
    await demo.page.waitForURL(/\/console\/dashboard/);
    await demo.page.getByTestId('signed-in-as').getByText('孙七（管理员）').waitFor();
    // The session cookie is not for scripts.
    const cookie = (await demo.page.context().cookies()).find((c) => c.name === 'xs_console')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    await expectChartDrawn(demo.page, 'chart-adds');
    await expectChartDrawn(demo.page, 'chart-funnel');
    await expectChartDrawn(demo.page, 'chart-channels');
    expect(Number(await demo.page.getByTestId('adds-today').locator('.el-statistic__number').innerText())).toBeGreaterThanOrEqual(3);
    await screenshot(demo.page, 'dashboard');

    await demo.page.getByRole('button', { name: '退出登录' }).click();
    await demo.page.waitForURL(/\/console\/login/);
    // Signed out means signed out: the API refuses the old cookie.
    const again = await demo.page.evaluate(async () => (await fetch('/api/console/session')).status);
    expect(again).toBe(401);
  });
});

/** The chart's series hold data and ECharts finished drawing them. */
async function expectChartDrawn(page: Page, testid: string): Promise<void> {
  const chart = page.getByTestId(testid);
  await chart.waitFor();
  await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-rendered') === 'yes', testid);
  expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(0);
  // Drawn on a canvas of the chart's size.
  const box = await chart.locator('canvas').first().boundingBox();
  expect(box!.width).toBeGreaterThan(100);
}

import type { Browser, Page } from 'playwright-core';
import { describeInBrowser, launch, newPage, screenshot } from './support/browser';
import { signIn, startDemoServer, type DemoServer } from './support/demo-server';

describeInBrowser('console: WeCom web login and the dashboard', () => {
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
    await page.context().close();
  });

  it('a page of the console sends a stranger to sign in; a rep without a console role is turned away with the reason', async () => {
    await page.goto(`${server.url}/console/leads`);
    await page.waitForURL(/\/console\/login\?next=/);
    await page.getByTestId('wecom-login').click();
    // The simulator's stand-in for WeCom's QR-code page lists the corp's members.
    await page.getByText('企业微信登录（模拟器）').waitFor();
    await page.getByRole('link', { name: /张三/ }).click();
    await page.waitForURL(/\/console\/login\?error=not_console_member/);
    await page.getByTestId('login-error').getByText('只有管理员和主管可以登录管理后台').waitFor();
  });

  it('the admin signs in through the simulated WeCom login and sees adds on the dashboard, drawn as charts with data', async () => {
    const channels = (await server.admin('GET', '/api/admin/channels')).body.items as Array<{ id: number; state: string }>;
    const expo = channels.find((c) => c.state === 'demoexpo')!;
    for (const name of ['展会访客甲', '展会访客乙', '展会访客丙']) {
      expect((await server.admin('POST', '/api/admin/demo/simulate-add', { channelId: expo.id, name })).status).toBe(202);
    }

    await signIn(page, server, '孙七');
    await page.waitForURL(/\/console\/dashboard/);
    await page.getByTestId('signed-in-as').getByText('孙七（管理员）').waitFor();
    // The session cookie is not for scripts.
    const cookie = (await page.context().cookies()).find((c) => c.name === 'xs_console')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    await expectChartDrawn(page, 'chart-adds');
    await expectChartDrawn(page, 'chart-funnel');
    await expectChartDrawn(page, 'chart-channels');
    expect(Number(await page.getByTestId('adds-today').locator('.el-statistic__number').innerText())).toBeGreaterThanOrEqual(3);
    await screenshot(page, 'dashboard');

    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL(/\/console\/login/);
    // Signed out means signed out: the API refuses the old cookie.
    const again = await page.evaluate(async () => (await fetch('/api/console/session')).status);
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

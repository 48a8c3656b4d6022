import type { Browser, Page } from 'playwright-core';
import { nurtureTick } from '../../server/src/nurture/nurture-task';
import { confirmDueDemoGroupMessages, DEMO_CONFIRM_AFTER_MS } from '../../server/src/nurture/demo/seed-demo-nurture';
import { describeInBrowser, launch, newPage, screenshot } from './support/browser';
import { signIn, startDemoServer, type DemoServer } from './support/demo-server';

const EXPO = 'expo-nurture';
const EXPO_NAME = '展会线索培育：认知 → 考虑 → 决策';
const VISITORS = ['培育访客甲', '培育访客乙', '培育访客丙', '培育访客丁'];

describeInBrowser('console: 客户培育 (nurture sequences, funnel, enrollments, budget)', () => {
  let server: DemoServer;
  let browser: Browser;
  let page: Page;

  /** Polls until `check` gives a value (the capture and enrollment run in the server's queue). */
  async function eventually<T>(check: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
    const until = Date.now() + ms;
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() > until) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    server = await startDemoServer();
    browser = await launch();
    // Four expo visitors scan the demo's expo code: each lead joins the expo sequence.
    const expo = ((await server.admin('GET', '/api/admin/channels')).body.items as Array<{ id: number; state: string }>).find((c) => c.state === 'demoexpo')!;
    for (const name of VISITORS) expect((await server.admin('POST', '/api/admin/demo/simulate-add', { channelId: expo.id, name })).status).toBe(202);
    const enrollments = await eventually(async () => {
      const items = (await server.admin('GET', `/api/admin/nurture/enrollments?sequenceKey=${EXPO}`)).body.items as Array<{ enrolledAt: string }>;
      return items.length === VISITORS.length ? items : null;
    });
    // The nurture pass, driven by hand a minute on: the first push goes out, the demo reps confirm, the results come back.
    let now = Math.max(...enrollments.map((e) => Date.parse(e.enrolledAt))) + 61_000;
    await nurtureTick(server.runtime.ctx, now);
    expect(confirmDueDemoGroupMessages(server.simulator, now + DEMO_CONFIRM_AFTER_MS)).toBeGreaterThan(0);
    now += 61_000;
    await nurtureTick(server.runtime.ctx, now);
    const funnel = (await server.admin('GET', `/api/admin/nurture/sequences/${EXPO}/funnel`)).body;
    expect(funnel.steps[0].push).toMatchObject({ sent: 4, confirmed: 4, delivered: 4 });
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

  it('a manager reads the enrollments of their team and takes one lead out by hand; sequences are read-only for them', async () => {
    await signIn(page, server, '王五');
    await page.getByTestId('menu-nurture').click();
    await page.getByTestId('sequences-table').getByText(EXPO_NAME).waitFor();
    // No writes for a manager: no new button, no switches, no budget tab.
    expect(await page.getByTestId('sequence-new').count()).toBe(0);
    expect(await page.getByTestId(`sequence-enabled-${EXPO}`).count()).toBe(0);
    expect(await page.getByTestId('nurture-nav').getByText('群发额度').count()).toBe(0);

    await page.getByTestId('nurture-nav').getByText('培育记录').click();
    await page.waitForURL(/\/console\/nurture\/enrollments/);
    const table = page.getByTestId('enrollments-table');
    for (const name of VISITORS) await table.getByText(name).waitFor();
    const row = table.locator('.el-table__row', { hasText: '培育访客丁' });
    await row.getByText('培育中').waitFor();
    await row.getByRole('button', { name: '退出培育' }).click();
    await page.locator('.el-message-box').getByRole('button', { name: '退出培育' }).click();
    await row.getByText('已退出').waitFor();
    await row.getByText(/手动退出/).waitFor();

    // The audit log names the manager, not 管理员.
    const audit = (await server.admin('GET', '/api/admin/audit?action=nurture.exit')).body.items as Array<{ actorUserId: string }>;
    expect(audit.map((a) => a.actorUserId)).toEqual(['wangwu']);
    // The status filter works against the server.
    await page.getByTestId('enrollments-status').click();
    await page.locator('.el-select-dropdown__item', { hasText: '已退出' }).click();
    await table.locator('.el-table__row').first().getByText('培育访客丁').waitFor();
    expect(await table.locator('.el-table__row').count()).toBe(1);
  });

  it('the admin sees the expo sequence in the list and its funnel drawn with data', async () => {
    await signIn(page, server, '孙七');
    await page.getByTestId('menu-nurture').click();
    await page.waitForURL(/\/console\/nurture$/);
    await page.getByTestId(`sequence-link-${EXPO}`).click();
    await page.waitForURL(new RegExp(`/console/nurture/sequences/${EXPO}$`));
    await page.getByTestId('sequence-name').getByText(EXPO_NAME).waitFor();

    await expectChartDrawn(page, 'chart-nurture-funnel');
    await expectChartDrawn(page, 'chart-nurture-exits');
    expect(await statistic(page, 'funnel-enrolled')).toBe(4);
    expect(await statistic(page, 'funnel-exited')).toBe(1);
    // The first step's row: four reached it, were sent, confirmed and delivered.
    const first = page.getByTestId('funnel-steps').locator('.el-table__row').first();
    expect((await first.locator('td').allInnerTexts()).slice(2, 7).map((t) => t.trim())).toEqual(['0', '4', '4', '4', '4']);
    await screenshot(page, 'nurture-funnel');
  });

  it('the admin disables and enables the sequence from the list; each change is audited under their name', async () => {
    await signIn(page, server, '孙七');
    await page.goto(`${server.url}/console/nurture`);
    const toggle = page.getByTestId(`sequence-enabled-${EXPO}`);
    await toggle.waitFor();
    expect(await toggle.getAttribute('class')).toContain('is-checked');

    await toggle.click();
    await page.locator('.el-message-box').getByRole('button', { name: '停用' }).click();
    await page.getByText(`已停用「${EXPO_NAME}」`).waitFor();
    await page.waitForFunction((id) => !document.querySelector(`[data-testid="${id}"]`)?.classList.contains('is-checked'), `sequence-enabled-${EXPO}`);
    expect((await server.admin('GET', `/api/admin/nurture/sequences/${EXPO}`)).body.sequence.enabled).toBe(false);

    await toggle.click();
    await page.getByText(`已启用「${EXPO_NAME}」`).waitFor();
    await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.classList.contains('is-checked'), `sequence-enabled-${EXPO}`);
    expect((await server.admin('GET', `/api/admin/nurture/sequences/${EXPO}`)).body.sequence.enabled).toBe(true);

    const audit = (await server.admin('GET', '/api/admin/audit?action=nurture.sequence')).body.items as Array<{ actorUserId: string; purpose: string }>;
    expect(audit.map((a) => [a.actorUserId, a.purpose])).toEqual([
      ['sunqi', `启用培育序列「${EXPO_NAME}」`],
      ['sunqi', `停用培育序列「${EXPO_NAME}」`],
    ]);
  });

  it('the budget settings form saves; the budget per customer lists the expo visitors', async () => {
    await signIn(page, server, '孙七');
    await page.goto(`${server.url}/console/nurture/budget`);
    const table = page.getByTestId('budget-table');
    for (const name of VISITORS) await table.getByText(name).waitFor();

    await page.getByTestId('budget-corp-rule').getByText('每周 7 条').click();
    // The demo keeps the file's cap of 8 a month: the switch is on already.
    if (!(await page.getByTestId('budget-cap-on').getAttribute('class'))?.includes('is-checked')) await page.getByTestId('budget-cap-on').click();
    const cap = inputOf(page, 'budget-cap');
    await cap.fill('6');
    await cap.press('Tab');
    await page.getByTestId('budget-one-per-day').click();
    await page.getByTestId('budget-save').click();
    await page.getByText('群发额度规则已保存').waitFor();

    const saved = (await server.admin('GET', '/api/admin/nurture/budget/settings')).body;
    expect(saved).toMatchObject({ corpRule: 'week', monthlyCap: 6, onePerDay: true });
    const audit = (await server.admin('GET', '/api/admin/audit?action=nurture.budget')).body.items as Array<{ actorUserId: string; purpose: string }>;
    expect(audit[0]).toMatchObject({ actorUserId: 'sunqi' });
    expect(audit[0].purpose).toContain('每月上限 6 条');
  });

  it('a bad sequence edit shows the server’s field errors in Chinese, beside the fields, and saves nothing', async () => {
    await signIn(page, server, '孙七');
    await page.goto(`${server.url}/console/nurture/sequences/${EXPO}`);
    await page.getByTestId('sequence-edit').click();
    await page.waitForURL(new RegExp(`/console/nurture/sequences/${EXPO}/edit$`));
    const name = inputOf(page, 'sequence-name-input');
    await name.waitFor();
    expect(await name.inputValue()).toBe(EXPO_NAME);
    await name.fill('');
    await inputOf(page, 'step-0-attachment-0-url').fill('ftp://example.com/report');
    await page.getByTestId('sequence-save').click();

    const errors = page.getByTestId('sequence-errors');
    await errors.getByText('培育序列有 2 处需要修改').waitFor();
    await errors.getByText('序列名称：不能为空').waitFor();
    await errors.getByText('第 1 步 · 第 1 个附件 · 链接地址：须为 http:// 或 https:// 开头的网址').waitFor();
    // …and under the fields themselves.
    const urlItem = page.locator('.el-form-item', { has: inputOf(page, 'step-0-attachment-0-url') }).last();
    await urlItem.locator('.el-form-item__error').getByText('须为 http:// 或 https:// 开头的网址').waitFor();
    const nameItem = page.locator('.el-form-item', { has: inputOf(page, 'sequence-name-input') });
    await nameItem.locator('.el-form-item__error').getByText('不能为空').waitFor();
    await screenshot(page, 'nurture-edit-errors');

    expect((await server.admin('GET', `/api/admin/nurture/sequences/${EXPO}`)).body.sequence.name).toBe(EXPO_NAME);
    // Fixed, it saves and goes back to the sequence.
    await name.fill('展会线索培育（修订）');
    await inputOf(page, 'step-0-attachment-0-url').fill('https://example.com/reports/2026');
    await page.getByTestId('sequence-save').click();
    await page.waitForURL(new RegExp(`/console/nurture/sequences/${EXPO}$`));
    await page.getByTestId('sequence-name').getByText('展会线索培育（修订）').waitFor();
    const saved = (await server.admin('GET', `/api/admin/nurture/sequences/${EXPO}`)).body.sequence;
    expect(saved.steps[0].action.attachments[0].link.url).toBe('https://example.com/reports/2026');
    expect(saved.steps).toHaveLength(5);
  });
});

/** The text box of an Element Plus input: el-input puts the test id on the <input> itself, el-input-number on its wrapper. */
function inputOf(page: Page, testid: string) {
  return page.locator(`input[data-testid="${testid}"], [data-testid="${testid}"] input`).first();
}

async function statistic(page: Page, testid: string): Promise<number> {
  return Number(await page.getByTestId(testid).locator('.el-statistic__number').innerText());
}

/** The chart's series hold data and ECharts finished drawing them. */
async function expectChartDrawn(page: Page, testid: string): Promise<void> {
  const chart = page.getByTestId(testid);
  await chart.waitFor();
  await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-rendered') === 'yes', testid);
  expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(0);
  const box = await chart.locator('canvas').first().boundingBox();
  expect(box!.width).toBeGreaterThan(100);
}

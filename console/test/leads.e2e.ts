import fs from 'node:fs';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { Lead } from '../../server/src/leads/lead.entity';
import { describeInBrowser, launch, newPage, screenshot } from './support/browser';
import { signIn, startDemoServer, type DemoServer } from './support/demo-server';

/**
 * The console's leads area and audit log in Chromium against the demo server: adds simulated on
 * the expo channel appear in the table; a lead's page shows its score breakdown and timeline; the
 * phone is revealed with a purpose and the audit log names 孙七 with it; a stage changes; the
 * Excel export runs with its progress and downloads a masked .xlsx; a manager sees their team only.
 */
describeInBrowser('console: leads and the audit log', () => {
  let server: DemoServer;
  let browser: Browser;
  let page: Page;
  const visitors = ['线索表访客甲', '线索表访客乙', '线索表访客丙'];
  let leadId = 0;

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
    // These pages wait on a worker (adds, re-scores, the export job): room for a loaded CI box.
    page.setDefaultTimeout(30_000);
  });
  afterEach(async () => {
    await page.context().close();
  });

  const leadByName = async (name: string) => {
    const r = await server.admin('GET', `/api/admin/leads?q=${encodeURIComponent(name)}`);
    return (r.body.items as Array<{ id: number; name: string }>).find((l) => l.name === name);
  };

  it('simulated adds appear in the leads table, which searches, filters and sorts', async () => {
    await signIn(page, server, '孙七');
    await page.getByTestId('menu-leads').click();
    await page.waitForURL(/\/console\/leads/);
    await page.getByTestId('leads-table').waitFor();

    const expo = ((await server.admin('GET', '/api/admin/channels')).body.items as Array<{ id: number; state: string }>).find((c) => c.state === 'demoexpo')!;
    for (const name of visitors) expect((await server.admin('POST', '/api/admin/demo/simulate-add', { channelId: expo.id, name })).status).toBe(202);

    // They arrive through WeCom's callback and the worker: refresh until the table shows all three.
    const table = page.getByTestId('leads-table');
    await waitFor(async () => {
      await page.getByRole('button', { name: '刷新' }).click();
      await page.waitForTimeout(300);
      for (const name of visitors) if (!(await table.getByText(name).count())) return false;
      return true;
    });
    // Each came through the expo channel, masked phone column, owner by name.
    const row = table.locator('tr', { hasText: visitors[0] });
    await row.getByText('新线索').waitFor();

    await page.getByTestId('filter-q').fill('线索表访客');
    await page.getByTestId('filter-search').click();
    await page.waitForURL(/q=/);
    await page.getByTestId('leads-total').getByText('共 3 条线索').waitFor();
    // Sorted by score (the header's sort), still the three.
    await table.getByText('评分').click();
    await page.waitForURL(/sort=score/);
    expect(await table.locator('tbody tr').count()).toBe(3);
    await screenshot(page, 'leads');

    // A filter nothing matches says so.
    await page.getByTestId('filter-q').fill('没有这个客户');
    await page.getByTestId('filter-search').click();
    await page.getByText('没有符合条件的线索').waitFor();
  });

  it("a lead's page: score breakdown, timeline, a logged reveal found in the audit log naming 孙七, a stage change", async () => {
    const lead = (await leadByName(visitors[0]))!;
    leadId = lead.id;
    // A phone from a form the customer filled, and what the lead told the rep: scoring reads both.
    await server.runtime.ctx.dataSource.getRepository(Lead).update({ id: leadId }, { phone: '13912345678' });
    expect((await server.admin('PATCH', `/api/admin/leads/${leadId}/attributes`, { industry: '教育培训', budget: 50000 })).status).toBe(200);
    expect((await server.admin('POST', `/api/admin/leads/${leadId}/events`, { kind: 'page_view', value: '/pricing' })).status).toBe(202);
    await waitFor(async () => ((await server.admin('GET', `/api/admin/leads/${leadId}`)).body.scoreBreakdown.length >= 4 ? true : false));

    await signIn(page, server, '孙七');
    await page.goto(`${server.url}/console/leads?q=${encodeURIComponent(visitors[0])}`);
    await page.getByTestId(`lead-link-${leadId}`).click();
    await page.waitForURL(new RegExp(`/console/leads/${leadId}$`));
    await page.getByTestId('lead-name').getByText(visitors[0]).waitFor();
    expect(await page.getByTestId('lead-phone').innerText()).toBe('139****5678');

    // The score breakdown, drawn as a chart with a bar per item, and listed.
    await expectChartDrawn(page, 'chart-score');
    expect(Number(await page.getByTestId('chart-score').getAttribute('data-points'))).toBeGreaterThanOrEqual(4);
    const breakdown = page.getByTestId('score-breakdown');
    for (const reason of ['扫描渠道活码添加', '目标行业（制造 / 教育 / 医疗）', '预算 2–10 万元', '浏览价格页']) await breakdown.getByText(reason).first().waitFor();
    // The timeline, newest first: the add through the channel is on it.
    await page.getByTestId('timeline').getByText(/新线索/).first().waitFor();

    // Reveal with a stated purpose.
    await page.getByTestId('action-reveal').click();
    await page.getByTestId('reveal-submit').click();
    await page.getByTestId('reveal-dialog').getByText('请填写查看用途（2 到 100 个字）').waitFor();
    await page.getByTestId('reveal-purpose').fill('电话回访确认需求');
    await page.getByTestId('reveal-submit').click();
    await page.getByTestId('lead-phone').getByText('13912345678').waitFor();
    await page.getByTestId('timeline').getByText('孙七查看了完整手机号及资料（用途：电话回访确认需求）').waitFor();

    // Change the stage: new → contacted.
    await page.getByTestId('action-stage').click();
    await page.getByTestId('stage-dialog').getByText('已联系').click();
    await page.getByTestId('stage-reason').fill('已电话沟通');
    await page.getByTestId('stage-submit').click();
    await page.getByTestId('lead-stage').getByText('已联系').waitFor();
    await page.getByTestId('timeline').getByText('阶段：新线索 → 已联系（已电话沟通）').waitFor();

    // Reloaded, the number is masked again: the reveal was for that moment, and logged.
    await page.reload();
    await page.getByTestId('lead-phone').getByText('139****5678').waitFor();
    await expectChartDrawn(page, 'chart-score');
    await screenshot(page, 'lead');

    // The audit log has the reveal under 孙七's name, with the purpose.
    await page.getByTestId('menu-audit').click();
    await page.waitForURL(/\/console\/audit/);
    const entry = page.getByTestId('audit-table').locator('tr', { hasText: '电话回访确认需求' });
    await entry.waitFor();
    expect(await entry.innerText()).toMatch(/孙七[\s\S]*查看手机号[\s\S]*线索表访客甲[\s\S]*电话回访确认需求/);
    await screenshot(page, 'audit');
  });

  it('exports the filtered leads to Excel with a progress bar: masked phones, the rows of the filter, audited', async () => {
    await signIn(page, server, '孙七');
    await page.goto(`${server.url}/console/leads?q=${encodeURIComponent('线索表访客')}`);
    await page.getByTestId('leads-total').getByText('共 3 条线索').waitFor();
    await page.getByTestId('export-open').click();
    const dialog = page.getByTestId('export-dialog');
    await dialog.getByText('将导出当前筛选条件下的 3 条线索').waitFor();
    await page.getByTestId('export-purpose').fill('展会线索复盘');
    await page.getByTestId('export-start').click();
    await page.getByTestId('export-progress').waitFor();
    await page.getByTestId('export-progress').getByText('3 / 3 条').waitFor();
    await dialog.getByText('文件已生成').waitFor();
    await screenshot(page, 'leads-export');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()]);
    expect(download.suggestedFilename()).toMatch(/^线索导出-\d{4}-\d{2}-\d{2}-\d+\.xlsx$/);
    const file = fs.readFileSync((await download.path())!);
    expect(file.subarray(0, 2).toString()).toBe('PK'); // an .xlsx is a zip
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file as never);
    const rows: string[][] = [];
    workbook.worksheets[0].eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => String(v ?? ''))));
    expect(rows[0].slice(0, 4)).toEqual(['线索编号', '客户', '手机号', '阶段']);
    expect(rows.slice(1).map((r) => r[1]).sort()).toEqual([...visitors].sort());
    const revealedRow = rows.find((r) => r[0] === String(leadId))!;
    expect(revealedRow[2]).toBe('139****5678');
    expect(JSON.stringify(rows)).not.toContain('13912345678');

    await page.goto(`${server.url}/console/audit`);
    const entry = page.getByTestId('audit-table').locator('tr', { hasText: '展会线索复盘' });
    await entry.waitFor();
    expect(await entry.innerText()).toMatch(/孙七[\s\S]*导出线索[\s\S]*共 3 条；筛选：搜索「线索表访客」/);
  });

  it("a manager (王五) sees their team's leads only; another's lead is not theirs to open", async () => {
    const outsider = await server.runtime.ctx.dataSource.getRepository(Lead).save(
      server.runtime.ctx.dataSource.getRepository(Lead).create({ name: '别组客户', ownerUserId: 'sunqi', source: 'form', stage: 'new', score: 0, inPool: false, createdAt: Date.now(), updatedAt: Date.now() }),
    );
    await signIn(page, server, '王五');
    await page.getByTestId('signed-in-as').getByText('王五（主管）').waitFor();
    await page.getByTestId('menu-leads').click();
    const table = page.getByTestId('leads-table');
    await table.getByText(visitors[1]).waitFor();
    expect(await table.getByText('别组客户').count()).toBe(0);
    await page.goto(`${server.url}/console/leads/${outsider.id}`);
    await page.getByTestId('lead-missing').getByText('线索不存在或您无权查看').waitFor();
    // Admin-only areas are not in a manager's menu; the audit log is (their team's rows).
    expect(await page.getByTestId('menu-settings').count()).toBe(0);
    await page.getByTestId('menu-audit').waitFor();
  });
});

async function waitFor(check: () => Promise<boolean | undefined>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 250));
  }
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

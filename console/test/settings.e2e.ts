import type { Browser, Locator, Page } from 'playwright-core';
import { describeInBrowser, launch, newPage, screenshot } from './support/browser';
import { signIn, startDemoServer, type DemoServer } from './support/demo-server';

/**
 * 规则与设置 in a real browser against the demo: the admin edits an assignment rule (its team
 * and its condition) and it stays edited after a reload; reorders two rules by dragging one onto
 * the other, saved in one request; sees how many leads a lower B-grade line would move; a
 * manager sees no such page and gets 403 from its API.
 */
describeInBrowser('console: rules and settings', () => {
  let server: DemoServer;
  let browser: Browser;
  let page: Page;
  let rules: Record<'shanghai' | 'education' | 'everyone', number>;
  let eastTeam: { id: number; name: string };

  beforeAll(async () => {
    server = await startDemoServer();
    browser = await launch();
    eastTeam = (await server.admin('POST', '/api/admin/teams', { name: '华东二组', members: ['lisi'] })).body;
    const demoTeam = ((await server.admin('GET', '/api/admin/teams')).body.items as Array<{ id: number; name: string }>).find((t) => t.name === '演示销售组')!;
    const rule = async (position: number, name: string, conditions: unknown[]) => (await server.admin('POST', '/api/admin/assignment-rules', { position, name, teamId: demoTeam.id, conditions })).body.id as number;
    rules = {
      shanghai: await rule(10, '上海客户', [{ field: 'region', op: 'eq', value: '上海' }]),
      education: await rule(20, '教育行业', [{ field: 'industry', op: 'in', value: ['教育培训', '学校'] }]),
      everyone: await rule(30, '其余客户', []),
    };
    // Leads for the scoring preview: customers adding the expo channel (10 points each, grade C).
    const expo = ((await server.admin('GET', '/api/admin/channels')).body.items as Array<{ id: number; state: string }>).find((c) => c.state === 'demoexpo')!;
    for (const name of ['访客甲', '访客乙', '访客丙']) expect((await server.admin('POST', '/api/admin/demo/simulate-add', { channelId: expo.id, name })).status).toBe(202);
    const deadline = Date.now() + 20_000;
    while (((await server.admin('GET', '/api/admin/leads')).body.items as unknown[]).length < 3) {
      if (Date.now() > deadline) throw new Error('the simulated adds did not become leads');
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  beforeEach(async () => {
    page = await newPage(browser);
    // Room for a loaded machine (five suites building and testing side by side): waits, not sleeps.
    page.setDefaultTimeout(30_000);
  });
  afterEach(async () => {
    await page.context().close();
  });

  const ruleIds = async () => ((await server.admin('GET', '/api/admin/assignment-rules')).body.items as Array<{ id: number }>).map((r) => r.id);

  it('the admin edits an assignment rule’s team and condition; after a reload it is still changed, audited under 孙七', async () => {
    await signIn(page, server, '孙七');
    await page.getByTestId('menu-settings').click();
    await page.waitForURL(/\/console\/settings\/assignment$/);
    const row = page.getByTestId(`rule-${rules.shanghai}`);
    await row.getByTestId('rule-conditions').getByText('地区 等于 上海').waitFor();

    await page.getByTestId(`rule-edit-${rules.shanghai}`).click();
    const dialog = page.getByTestId('rule-dialog');
    await dialog.getByTestId('rule-name').waitFor();
    await pick(page, dialog.getByTestId('rule-team-select'), '华东二组');
    await dialog.getByTestId('condition-value-0').fill('北京');
    await screenshot(page, 'settings-rule-dialog');
    await dialog.getByTestId('rule-save').click();
    await dialog.waitFor({ state: 'hidden' });

    await page.reload();
    await row.getByTestId('rule-team').getByText('分给「华东二组」').waitFor();
    await row.getByTestId('rule-conditions').getByText('地区 等于 北京').waitFor();
    const saved = ((await server.admin('GET', '/api/admin/assignment-rules')).body.items as Array<{ id: number; teamId: number; conditions: unknown }>).find((r) => r.id === rules.shanghai)!;
    expect(saved).toMatchObject({ teamId: eastTeam.id, conditions: [{ field: 'region', op: 'eq', value: '北京' }] });
    const audit = (await server.admin('GET', '/api/admin/audit?action=settings.assignment')).body.items as Array<{ actorUserId: string; purpose: string }>;
    expect(audit[0]).toMatchObject({ actorUserId: 'sunqi', purpose: '修改分配规则「上海客户」：条件、负责团队' });
  });

  it('the admin drags a rule onto another: the new order is saved in one request and survives a reload', async () => {
    await signIn(page, server, '孙七');
    await page.goto(`${server.url}/console/settings/assignment`);
    await page.getByTestId('rule-list').waitFor();
    expect(await ruleIds()).toEqual([rules.shanghai, rules.education, rules.everyone]);

    const orderRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/console/settings/assignment-rules/order')) orderRequests.push(r.method());
    });
    // 「教育行业」 dropped on 「上海客户」 takes its place at the top.
    await page.getByTestId(`rule-${rules.education}`).dragTo(page.getByTestId(`rule-${rules.shanghai}`));
    await page.getByText('顺序已保存').waitFor();
    expect(orderRequests).toEqual(['PUT']);
    expect(await ruleIds()).toEqual([rules.education, rules.shanghai, rules.everyone]);

    await page.reload();
    await page.getByTestId('rule-list').waitFor();
    const shown = await page.getByTestId('rule-list').locator('li').evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-rule-id'))));
    expect(shown).toEqual([rules.education, rules.shanghai, rules.everyone]);
    await screenshot(page, 'settings-assignment');
  });

  it('the scoring preview says how many current leads a lower B-grade line would move', async () => {
    await signIn(page, server, '孙七');
    await page.goto(`${server.url}/console/settings/scoring`);
    const gradeB = page.locator('[data-testid="threshold-gradeB"] input, input[data-testid="threshold-gradeB"]').first();
    await gradeB.waitFor();
    await gradeB.fill('5');
    await gradeB.press('Tab');
    await page.getByTestId('scoring-dirty').waitFor();
    await page.getByTestId('scoring-preview').click();
    const changed = page.getByTestId('scoring-preview-changed');
    await changed.waitFor();
    // The three expo visitors (10 points: C) would be B; nothing is saved by a preview.
    expect(Number(await changed.innerText())).toBeGreaterThanOrEqual(3);
    await page.getByTestId('scoring-preview-pair').filter({ hasText: 'C 级 → B 级' }).first().waitFor();
    expect((await server.admin('GET', '/api/admin/scoring/rules')).body.rules.thresholds.gradeB).toBe(40);
    await screenshot(page, 'settings-scoring');
  });

  it('teams and members: the demo team with its reps by name, each member with their roles', async () => {
    await signIn(page, server, '孙七');
    await page.goto(`${server.url}/console/settings/teams`);
    const team = page.getByTestId('team-table').locator('tr', { hasText: '演示销售组' });
    await team.getByText('张三').waitFor();
    await team.getByText('李四').waitFor();
    const wangwu = page.getByTestId('member-table').locator('tr', { hasText: 'wangwu' });
    await wangwu.getByText('主管').waitFor();
    await wangwu.getByText('演示销售组').waitFor();
    await screenshot(page, 'settings-teams');
    await page.getByRole('tab', { name: '公海设置' }).click();
    await page.waitForURL(/\/console\/settings\/pool$/);
    await page.getByTestId('pool-form').waitFor();
    await screenshot(page, 'settings-pool');
  });

  it('a manager (王五) has no 规则与设置: not in the menu, the page sends them home, the API answers 403', async () => {
    await signIn(page, server, '王五');
    await page.getByTestId('menu-dashboard').waitFor();
    expect(await page.getByTestId('menu-settings').count()).toBe(0);
    await page.goto(`${server.url}/console/settings/assignment`);
    await page.waitForURL((url) => !url.pathname.startsWith('/console/settings'));
    const statuses = await page.evaluate(async () => {
      const csrf = ((await (await fetch('/api/console/session')).json()) as { csrfToken: string }).csrfToken;
      const get = (await fetch('/api/console/settings/assignment-rules')).status;
      const put = (await fetch('/api/console/settings/assignment-rules/order', { method: 'PUT', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: '{"ids":[]}' })).status;
      return [get, put];
    });
    expect(statuses).toEqual([403, 403]);
  });
});

/** Picks an option of an Element Plus select (its list is drawn at the end of the page). */
async function pick(page: Page, select: Locator, option: string): Promise<void> {
  await select.click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: option }).first().click();
}

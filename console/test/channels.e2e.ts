import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { describeInBrowser, screenshot, useDemoInBrowser } from './support/browser';
import { signIn } from './support/demo-server';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describeInBrowser('console: channels', () => {
  const demo = useDemoInBrowser();

  it('the admin creates a channel with reps, a tag and a welcome text, sees and downloads its QR code, and watches simulated adds arrive on its chart', async () => {
    await signIn(demo.page, demo.server, '孙七');
    await demo.page.getByTestId('menu-channels').click();
    await demo.page.waitForURL(/\/console\/channels/);

    await demo.page.getByTestId('channel-create').click();
    const form = demo.page.getByRole('dialog', { name: '新建渠道' });
    await form.waitFor();
    await form.getByTestId('field-name').locator('input').fill('春季展会扫码');
    await pickOptions(demo.page, form.getByTestId('field-reps'), ['张三', '李四']);
    // A new tag: typed into the select and kept with Enter.
    await form.getByTestId('field-tags').locator('.el-select__wrapper').click();
    await demo.page.keyboard.type('春季展会');
    await demo.page.keyboard.press('Enter');
    await form.getByTestId('field-tags').locator('.el-select__wrapper').getByText('春季展会').waitFor();
    await form.locator('.el-dialog__title').click();
    await form.getByTestId('field-welcome-kind').getByText('文字').click();
    await form.getByTestId('field-welcome-text').locator('textarea').fill('您好，欢迎来到春季展会！');
    await form.getByTestId('channel-form-submit').click();
    await form.waitFor({ state: 'hidden' });

    // The new channel is shown: its name, reps, welcome and its QR code, an image that loaded.
    const detail = demo.page.getByTestId('channel-detail');
    await detail.getByTestId('channel-name').getByText('春季展会扫码').waitFor();
    await demo.page.waitForURL(/\/console\/channels\/\d+$/);
    const channelId = Number(new URL(demo.page.url()).pathname.split('/').pop());
    await detail.getByTestId('channel-reps').getByText('张三、李四').waitFor();
    await detail.getByTestId('channel-welcome').getByText('您好，欢迎来到春季展会！').waitFor();
    await demo.page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="channel-qr"]');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    expect(await demo.page.getByTestId('channel-qr').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);

    // Downloaded: a PNG named after the channel.
    const [download] = await Promise.all([demo.page.waitForEvent('download'), demo.page.getByTestId('channel-qr-download').click()]);
    expect(download.suggestedFilename()).toBe('渠道-春季展会扫码.png');
    const bytes = fs.readFileSync((await download.path())!);
    expect([...bytes.subarray(0, 8)]).toEqual(PNG_MAGIC);

    // The channel as the admin API sees it: what the form set, and WeCom's code made.
    const made = (await demo.server.admin('GET', `/api/admin/channels/${channelId}`)).body;
    expect(made).toMatchObject({ name: '春季展会扫码', userIds: ['zhangsan', 'lisi'], tags: ['春季展会'], welcomeText: '您好，欢迎来到春季展会！' });
    // No adds yet: the chart waits for data.
    await demo.page.getByTestId('channel-stats-empty').waitFor();

    // Three customers scan it.
    for (const name of ['扫码客户甲', '扫码客户乙', '扫码客户丙']) {
      expect((await demo.server.admin('POST', '/api/admin/demo/simulate-add', { channelId, name })).status).toBe(202);
    }
    // Adds are handled in the background: refresh until all three are counted.
    const addsShown = () => demo.page.getByTestId('channel-stat-adds').locator('.el-statistic__number').innerText().then(Number).catch(() => 0);
    for (let tries = 0; (await addsShown()) < 3 && tries < 60; tries++) {
      await demo.page.waitForTimeout(300);
      await demo.page.getByTestId('channel-stats-refresh').click();
    }
    expect(await addsShown()).toBe(3);
    expect(Number(await demo.page.getByTestId('channel-stat-leads').locator('.el-statistic__number').innerText())).toBe(3);

    const chart = demo.page.getByTestId('chart-channel');
    await chart.waitFor();
    await demo.page.waitForFunction(() => document.querySelector('[data-testid="chart-channel"]')?.getAttribute('data-rendered') === 'yes');
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(0);
    expect((await chart.locator('canvas').first().boundingBox())!.width).toBeGreaterThan(100);

    // The creation is in the audit log under 孙七, not the admin token.
    const audit = (await demo.server.admin('GET', '/api/admin/audit?action=channel.create')).body.items;
    expect(audit[0]).toMatchObject({ actorUserId: 'sunqi', purpose: '创建渠道「春季展会扫码」' });

    // Tall enough for the whole page, QR code and chart, in the README's screenshot.
    await demo.page.setViewportSize({ width: 1440, height: 1040 });
    await demo.page.waitForFunction(() => document.querySelector('[data-testid="chart-channel"]')?.getAttribute('data-rendered') === 'yes');
    await screenshot(demo.page, 'channels');
  });

  it('the admin edits a channel: a multi-rep code cannot drop to one rep (said in Chinese before sending), a rename is saved and audited under the member', async () => {
    await signIn(demo.page, demo.server, '孙七');
    await demo.page.goto(`${demo.server.url}/console/channels`);
    const expo = ((await demo.server.admin('GET', '/api/admin/channels')).body.items as Array<{ id: number; state: string }>).find((c) => c.state === 'demoexpo')!;
    await demo.page.getByTestId(`channel-row-${expo.id}`).click();
    await demo.page.waitForURL(new RegExp(`/console/channels/${expo.id}$`));
    await demo.page.getByTestId('channel-edit').click();
    const form = demo.page.getByRole('dialog', { name: /编辑渠道/ });
    await form.waitFor();
    // A multi-rep code cannot become a single-rep one: the form says so before anything is sent.
    await form.getByTestId('field-reps').locator('.el-tag__close').first().click();
    await form.getByTestId('channel-form-submit').click();
    await form.getByText('多人活码至少需要 2 位接待成员').waitFor();
    await pickOptions(demo.page, form.getByTestId('field-reps'), ['张三']);
    await form.getByTestId('field-name').locator('input').fill('展会扫码（改）');
    await form.getByTestId('channel-form-submit').click();
    await form.waitFor({ state: 'hidden' });
    await demo.page.getByTestId('channel-name').getByText('展会扫码（改）').waitFor();
    const audit = (await demo.server.admin('GET', '/api/admin/audit?action=channel.update')).body.items;
    expect(audit[0]).toMatchObject({ actorUserId: 'sunqi' });
    expect(audit[0].purpose).toContain('修改渠道「展会扫码（改）」：名称');
  });

  it('a manager sees the channels and their QR codes but cannot create or edit', async () => {
    await signIn(demo.page, demo.server, '王五');
    await demo.page.getByTestId('menu-channels').click();
    await demo.page.getByTestId('channel-detail').waitFor();
    await demo.page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="channel-qr"]');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    expect(await demo.page.getByTestId('channel-create').count()).toBe(0);
    expect(await demo.page.getByTestId('channel-edit').count()).toBe(0);
  });
});

/** Opens an Element Plus select and clicks the named options in its (teleported) dropdown. */
async function pickOptions(page: Page, field: ReturnType<Page['getByTestId']>, names: string[]): Promise<void> {
  await field.locator('.el-select__wrapper').click();
  for (const name of names) {
    await page.locator('.el-select-dropdown__item:visible').filter({ hasText: name }).first().click();
  }
  // Closed by a click beside it: Escape would close the dialog too.
  await page.locator('.el-dialog__title:visible').click();
}

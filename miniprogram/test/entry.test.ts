import { fixtures } from './fixtures';
import { openPage, useWxFake } from './support/render';

const wx = useWxFake();

async function openForm() {
  wx.signIn(fixtures.loginClerk());
  wx.on('GET', '/api/mp/consent', { body: fixtures.consent() });
  wx.on('GET', '/api/mp/entries', { body: fixtures.entriesToday() });
  return openPage('entry');
}

describe('store member entry', () => {
  it('shows the store, the consent text with its version, and today\'s entries', async () => {
    const page = await openForm();
    expect(wx.last('GET', '/api/mp/entries').query).toEqual({});
    const text = page.text();
    for (const seen of ['门店：静安店', '本人同意门店收集我的姓名和手机号', '授权书版本 2026-11', '今日录入（2）', '李娜', '186****2233', '09:05', '黄磊', '老客户']) {
      expect(text).toContain(seen);
    }
  });

  it('a clerk enters a member in three steps and the entry tops today\'s list', async () => {
    const page = await openForm();
    wx.on('POST', '/api/mp/entries', { status: 201, body: fixtures.entryCreated() });
    await page.type('#name', ' 吴敏 ');
    await page.type('#phone', '138 0013 5678');
    await page.change('#consent', { value: ['yes'] });
    await page.tap('#submit');

    expect(wx.last('POST', '/api/mp/entries').body).toEqual({ name: '吴敏', phone: '13800135678', consent: true, consentVersion: '2026-11' });
    expect(wx.toasts).toEqual(['录入成功']);
    expect(page.texts('entry-row__name')).toEqual(['吴敏', '李娜', '黄磊']);
    expect(page.text()).toContain('今日录入（3）');
    // Ready for the next customer, whose consent is their own.
    expect(page.data).toMatchObject({ name: '', phone: '', consent: false });
  });

  it('will not send without a name, a mainland mobile number and the customer\'s consent', async () => {
    const page = await openForm();
    await page.tap('#submit');
    expect(page.text()).toContain('请填写姓名');
    await page.type('#name', '吴敏');
    await page.type('#phone', '1380013');
    await page.tap('#submit');
    expect(page.text()).toContain('请填写正确的 11 位手机号');
    await page.type('#phone', '13800135678');
    await page.tap('#submit');
    expect(page.text()).toContain('请先请顾客阅读并勾选同意授权');
    expect(wx.sent('POST', '/api/mp/entries')).toHaveLength(0);
  });

  it('a consent version the server no longer accepts: its message, the current text, consent to give again', async () => {
    const page = await openForm();
    wx.on('POST', '/api/mp/entries', { status: 400, body: fixtures.errors.consentVersion() });
    wx.on('GET', '/api/mp/consent', { body: { version: '2026-12', text: '新版授权：本人同意门店收集姓名和手机号用于会员服务。' } });
    await page.type('#name', '吴敏');
    await page.type('#phone', '13800135678');
    await page.change('#consent', { value: ['yes'] });
    await page.tap('#submit');
    expect(wx.toasts).toEqual(['授权书已更新，请刷新后重新勾选']);
    expect(page.text()).toContain('授权书版本 2026-12');
    expect(page.text()).toContain('新版授权');
    expect(page.data.consent).toBe(false);
  });

  it('no entries yet today, and a clerk without a store', async () => {
    wx.signIn(fixtures.loginClerk());
    wx.on('GET', '/api/mp/consent', { body: fixtures.consent() });
    wx.on('GET', '/api/mp/entries', { body: fixtures.entriesEmpty() });
    const page = await openPage('entry');
    expect(page.text()).toContain('今天还没有录入');

    wx.reset();
    wx.install();
    const clerk = fixtures.loginClerk();
    wx.signIn({ ...clerk, member: { ...clerk.member, store: null } });
    const storeless = await openPage('entry');
    expect(storeless.text()).toContain('您还没有绑定门店，请联系管理员');
    expect(wx.requests).toEqual([]);
  });

  it('a failed load says so in Chinese and retries', async () => {
    wx.signIn(fixtures.loginClerk());
    wx.on('GET', '/api/mp/consent', { networkError: true }, { body: fixtures.consent() });
    wx.on('GET', '/api/mp/entries', { body: fixtures.entriesToday() });
    const page = await openPage('entry');
    expect(page.text()).toContain('网络连接失败，请检查网络后重试');
    await page.tap('#state >>> .state__retry');
    expect(page.text()).toContain('今日录入（2）');
  });
});

import { fixtures } from './fixtures';
import { openPage, useWxFake } from './support/render';

const wx = useWxFake();

describe('sign-in page', () => {
  it('exchanges the wx.qy.login code and opens a rep\'s lead list', async () => {
    wx.qy = { code: 'qy-code-1' };
    wx.on('POST', '/api/mp/login', { body: fixtures.loginRep() });
    const page = await openPage('login');

    const login = wx.last('POST', '/api/mp/login');
    expect(login.body).toEqual({ code: 'qy-code-1' });
    expect(login.headers.Authorization).toBeUndefined();
    expect(wx.navigations).toEqual([{ kind: 'reLaunch', url: '/pages/leads/leads' }]);
    expect(wx.member()?.name).toBe('张三');
    expect(page.text()).toContain('正在登录');
  });

  it('sends a store clerk to the member entry form', async () => {
    wx.qy = { code: 'qy-code-2' };
    wx.on('POST', '/api/mp/login', { body: fixtures.loginClerk() });
    await openPage('login');
    expect(wx.navigations).toEqual([{ kind: 'reLaunch', url: '/pages/entry/entry' }]);
  });

  it('skips sign-in when a session is stored', async () => {
    wx.signIn(fixtures.loginManager());
    await openPage('login');
    expect(wx.requests).toEqual([]);
    expect(wx.navigations).toEqual([{ kind: 'reLaunch', url: '/pages/leads/leads' }]);
  });

  it('shows the server\'s Chinese refusal and signs in again on 重试', async () => {
    wx.qy = { code: 'qy-code-3' };
    wx.on('POST', '/api/mp/login', { status: 403, body: fixtures.errors.notAMember() }, { body: fixtures.loginRep() });
    const page = await openPage('login');
    expect(page.text()).toContain('您还不是线索系统的成员，请联系管理员开通');
    expect(page.text()).toContain('重试');
    expect(wx.navigations).toEqual([]);

    await page.tap('#state >>> .state__retry');
    expect(wx.sent('POST', '/api/mp/login')).toHaveLength(2);
    expect(wx.navigations).toEqual([{ kind: 'reLaunch', url: '/pages/leads/leads' }]);
  });

  it('never shows an English server message', async () => {
    wx.qy = { code: 'qy-code-4' };
    wx.on('POST', '/api/mp/login', { status: 403, body: fixtures.errors.notAMemberEnglish() });
    const page = await openPage('login');
    expect(page.text()).toContain('您还未开通线索系统，请联系管理员');
    expect(page.text()).not.toMatch(/member not found/);
  });

  it('tells the user when WeCom refuses the login itself', async () => {
    wx.qy = { loginFails: true };
    const page = await openPage('login');
    expect(page.text()).toContain('企业微信登录失败，请稍后重试');
    expect(wx.requests).toEqual([]);
  });

  it('outside WeCom, the development build signs in with a demo login code', async () => {
    wx.on('POST', '/api/mp/login', { body: fixtures.loginManager() });
    const page = await openPage('login');
    expect(page.text()).toContain('演示登录');

    await page.tap('#demo-submit');
    expect(page.text()).toContain('请输入登录码');
    expect(wx.requests).toEqual([]);

    await page.type('#demo-code', ' demo-lisi-1 ');
    await page.tap('#demo-submit');
    expect(wx.last('POST', '/api/mp/login').body).toEqual({ code: 'demo-lisi-1' });
    expect(wx.navigations).toEqual([{ kind: 'reLaunch', url: '/pages/leads/leads' }]);
  });
});

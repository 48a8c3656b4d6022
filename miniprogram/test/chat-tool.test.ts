import { fixtures } from './fixtures';
import { openPage, useWxFake } from './support/render';

const wx = useWxFake();

describe('chat toolbar entry', () => {
  it('from a customer chat, opens that customer\'s lead', async () => {
    wx.signIn(fixtures.loginRep());
    wx.qy = { entry: 'single_chat_tools', externalUserId: 'wmABC_123' };
    const page = await openPage('chat-tool');
    expect(wx.requests).toEqual([]);
    expect(wx.navigations).toEqual([{ kind: 'redirectTo', url: '/pages/lead/lead?externalUserId=wmABC_123' }]);
    expect(page.text()).toContain('正在打开客户线索');
  });

  it('signs in first when there is no session', async () => {
    wx.qy = { code: 'qy-code-9', entry: 'contact_profile', externalUserId: 'wmXYZ' };
    wx.on('POST', '/api/mp/login', { body: fixtures.loginRep() });
    await openPage('chat-tool');
    expect(wx.last('POST', '/api/mp/login').body).toEqual({ code: 'qy-code-9' });
    expect(wx.navigations).toEqual([{ kind: 'redirectTo', url: '/pages/lead/lead?externalUserId=wmXYZ' }]);
  });

  it('the lead page asks the server for the contact\'s lead (created there if needed)', async () => {
    wx.signIn(fixtures.loginRep());
    wx.on('GET', '/api/mp/contacts/wmABC_123/lead', { body: fixtures.leadDetailContact() });
    wx.on('GET', '/api/mp/leads/120/nurture', { body: fixtures.leadNurtureEmpty() });
    const page = await openPage('lead', { externalUserId: 'wmABC_123' });
    expect(wx.last('GET', '/api/mp/contacts/wmABC_123/lead').headers.Authorization).toBe('Bearer at-zhangsan-1');
    expect(page.text()).toContain('周杰');
    expect(page.text()).toContain('聊天工具栏打开，已建为线索');

    // Later reloads (after an action) go by the lead's id.
    wx.on('GET', '/api/mp/leads/120', { body: fixtures.leadDetailContact() });
    await page.lifecycle('onPullDownRefresh');
    expect(wx.sent('GET', '/api/mp/leads/120')).toHaveLength(1);
  });

  it('someone else\'s customer reads as missing', async () => {
    wx.signIn(fixtures.loginRep());
    wx.on('GET', '/api/mp/contacts/wmOTHER/lead', { status: 404, body: fixtures.errors.notFound() });
    const page = await openPage('lead', { externalUserId: 'wmOTHER' });
    expect(page.text()).toContain('线索不存在或您无权查看');
  });

  it('opened elsewhere in WeCom, says where to open it and offers the lead list', async () => {
    wx.signIn(fixtures.loginRep());
    wx.qy = { entry: 'normal' };
    const page = await openPage('chat-tool');
    expect(page.text()).toContain('请从客户聊天的工具栏打开，即可查看该客户的线索');
    await page.tap('#go-home');
    expect(wx.navigations).toEqual([{ kind: 'reLaunch', url: '/pages/leads/leads' }]);
  });

  it('when WeCom does not give the contact, says so in Chinese', async () => {
    wx.signIn(fixtures.loginRep());
    wx.qy = { entry: 'single_chat_tools', externalUserId: null };
    const page = await openPage('chat-tool');
    expect(page.text()).toContain('无法获取当前客户，请确认应用已开通客户联系权限');
    expect(page.text()).not.toMatch(/fail|without context/);
  });
});

import { fixtures } from './fixtures';
import { useWxFake } from './support/render';
import { ApiError, api, buildUrl, toApiError } from '../utils/api';

const wx = useWxFake();

describe('the API module', () => {
  it('sends the bearer token to the configured base URL, with the query encoded', async () => {
    wx.signIn(fixtures.loginRep());
    wx.on('GET', '/api/mp/leads', { body: fixtures.leadsEmpty() });
    await api.leads({ scope: 'pool', q: '王 小明', tag: '门店：静安店', grade: undefined });
    const request = wx.last('GET', '/api/mp/leads');
    expect(request.url).toBe('http://127.0.0.1:3000/api/mp/leads?scope=pool&q=%E7%8E%8B%20%E5%B0%8F%E6%98%8E&tag=%E9%97%A8%E5%BA%97%EF%BC%9A%E9%9D%99%E5%AE%89%E5%BA%97');
    expect(request.headers.Authorization).toBe('Bearer at-zhangsan-1');
    expect(buildUrl('/api/mp/entries', { day: '' })).toBe('http://127.0.0.1:3000/api/mp/entries');
  });

  it('on a 401 refreshes once (the refresh token rotates) and repeats the request with the new token', async () => {
    wx.signIn(fixtures.loginRep());
    wx.on('POST', '/api/mp/refresh', { body: fixtures.loginRepRefreshed() });
    wx.on('GET', '/api/mp/leads/101', (req) =>
      req.headers.Authorization === 'Bearer at-zhangsan-2' ? { body: fixtures.leadDetail() } : { status: 401, body: fixtures.errors.unauthorized() },
    );
    const [a, b] = await Promise.all([api.lead(101), api.lead(101)]);
    expect(a.name).toBe('王小明');
    expect(b.name).toBe('王小明');
    const refreshes = wx.sent('POST', '/api/mp/refresh');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0].body).toEqual({ refreshToken: 'rt-zhangsan-1' });
    expect(refreshes[0].headers.Authorization).toBeUndefined();
    expect(wx.sent('GET', '/api/mp/leads/101').map((r) => r.headers.Authorization)).toEqual([
      'Bearer at-zhangsan-1',
      'Bearer at-zhangsan-1',
      'Bearer at-zhangsan-2',
      'Bearer at-zhangsan-2',
    ]);
    expect((wx.storage.get('xiansuo.session') as { refreshToken: string }).refreshToken).toBe('rt-zhangsan-2');
    expect(wx.toasts).toEqual([]);
  });

  it('when the refresh is refused too, forgets the session and goes back to sign-in, in Chinese', async () => {
    wx.signIn(fixtures.loginRep());
    wx.on('POST', '/api/mp/refresh', { status: 401, body: fixtures.errors.invalidRefresh() });
    wx.on('POST', '/api/mp/leads/101/claim', { status: 401, body: fixtures.errors.unauthorized() });
    await expect(api.claim(101)).rejects.toMatchObject({ status: 401, message: '登录已过期，请重新登录' });
    expect(wx.storage.has('xiansuo.session')).toBe(false);
    expect(wx.navigations).toEqual([{ kind: 'reLaunch', url: '/pages/login/login' }]);
    expect(wx.toasts).toEqual(['登录已过期，请重新登录']);
    expect(wx.sent('POST', '/api/mp/leads/101/claim')).toHaveLength(1);
  });

  it('a second 401 after a good refresh (the member was disabled meanwhile) also signs out, without a loop', async () => {
    wx.signIn(fixtures.loginRep());
    wx.on('POST', '/api/mp/refresh', { body: fixtures.loginRepRefreshed() });
    wx.on('GET', '/api/mp/me', { status: 401, body: fixtures.errors.unauthorized() });
    await expect(api.me()).rejects.toBeInstanceOf(ApiError);
    expect(wx.sent('GET', '/api/mp/me')).toHaveLength(2);
    expect(wx.sent('POST', '/api/mp/refresh')).toHaveLength(1);
    expect(wx.navigations).toEqual([{ kind: 'reLaunch', url: '/pages/login/login' }]);
  });

  it('toasts the server\'s Chinese message, and a Chinese one of its own for English or no message', async () => {
    wx.signIn(fixtures.loginRep());
    wx.on('POST', '/api/mp/leads/201/claim', { status: 409, body: fixtures.errors.alreadyClaimed() });
    wx.on('POST', '/api/mp/leads/201/return', { status: 400, body: fixtures.errors.validation() });
    wx.on('PUT', '/api/mp/leads/201/tags', { status: 502, body: '<html>Bad Gateway</html>' });
    wx.on('POST', '/api/mp/leads/201/stage', { networkError: true });
    await expect(api.claim(201)).rejects.toMatchObject({ code: 'already_claimed' });
    await expect(api.returnToPool(201, 'x')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(api.setTags(201, [])).rejects.toMatchObject({ status: 502 });
    await expect(api.changeStage(201, 'won')).rejects.toMatchObject({ code: 'network' });
    expect(wx.toasts).toEqual(['该线索已被其他同事认领', '填写的内容有误，请检查后重试', '服务器开小差了，请稍后重试', '网络连接失败，请检查网络后重试']);
  });

  it('reads both error shapes: { error, message } and { error: { code, message } }', () => {
    expect(toApiError(409, { error: 'held_limit_reached', message: '您名下的在跟进线索已达上限（50 条），请先跟进或退回部分线索' }).message).toBe(
      '您名下的在跟进线索已达上限（50 条），请先跟进或退回部分线索',
    );
    expect(toApiError(429, { error: { code: 'rate_limited', message: 'too many requests' } })).toMatchObject({ code: 'rate_limited', message: '操作太频繁，请稍后再试' });
    expect(toApiError(500, null)).toMatchObject({ code: 'http_500', message: '服务器开小差了，请稍后重试' });
  });

  it('without a session, does not send anything and goes to sign-in', async () => {
    await expect(api.lead(1)).rejects.toMatchObject({ status: 401 });
    expect(wx.requests).toEqual([]);
    expect(wx.navigations).toEqual([{ kind: 'reLaunch', url: '/pages/login/login' }]);
  });
});

import { fixtures } from './fixtures';
import { openPage, useWxFake } from './support/render';

const wx = useWxFake();

function withOptions(): void {
  wx.on('GET', '/api/mp/stages', { body: fixtures.stages() });
  wx.on('GET', '/api/mp/tags', { body: fixtures.tags() });
}

describe('lead list', () => {
  it('shows the rep\'s own leads as cards, with the bearer token, sorted by score', async () => {
    wx.signIn(fixtures.loginRep());
    withOptions();
    wx.on('GET', '/api/mp/leads', { body: fixtures.leadsMinePage1() });
    const page = await openPage('leads');

    const request = wx.last('GET', '/api/mp/leads');
    expect(request.query).toEqual({ scope: 'mine', sort: 'score' });
    expect(request.headers.Authorization).toBe('Bearer at-zhangsan-1');
    expect(page.texts('card__name-text')).toEqual(['王小明', '刘芳']);
    const first = page.find('#lead-101');
    expect(first).toBeTruthy();
    const text = page.text();
    for (const seen of ['张三，您好', '138****8000', '已确认意向', '上海展会 2026', '86', 'A 级', '高意向', '139****4321', '官网表单', '未安排下次跟进', '上拉加载更多']) {
      expect(text).toContain(seen);
    }
    // A rep has no team tab and no stats link.
    expect(page.texts('tab')).toEqual(['我的', '公海']);
    expect(text).not.toContain('数据看板');
  });

  it('scrolls on with the cursor until there is no more', async () => {
    wx.signIn(fixtures.loginRep());
    withOptions();
    wx.on('GET', '/api/mp/leads', (req) => ({ body: req.query.cursor === 'cursor-2' ? fixtures.leadsMinePage2() : fixtures.leadsMinePage1() }));
    const page = await openPage('leads');

    await page.lifecycle('onReachBottom');
    const more = wx.sent('GET', '/api/mp/leads');
    expect(more).toHaveLength(2);
    expect(more[1].query).toEqual({ scope: 'mine', sort: 'score', cursor: 'cursor-2' });
    expect(page.texts('card__name-text')).toEqual(['王小明', '刘芳', '陈杰']);
    expect(page.text()).toContain('没有更多了');
    expect(page.text()).toContain('未留手机号');

    await page.lifecycle('onReachBottom');
    expect(wx.sent('GET', '/api/mp/leads')).toHaveLength(2);
  });

  it('switches to the pool tab and filters, searches and sorts through the query', async () => {
    wx.signIn(fixtures.loginRep());
    withOptions();
    wx.on('GET', '/api/mp/leads', (req) => ({ body: req.query.scope === 'pool' ? fixtures.leadsPool() : fixtures.leadsMinePage1() }));
    const page = await openPage('leads');

    await page.tap('#tab-pool');
    expect(wx.last('GET', '/api/mp/leads').query).toEqual({ scope: 'pool', sort: 'score' });
    expect(page.texts('card__name-text')).toEqual(['赵丽']);
    expect(page.text()).toContain('公海');

    await page.change('#grade-picker', { value: '1' });
    expect(wx.last('GET', '/api/mp/leads').query).toEqual({ scope: 'pool', grade: 'A', sort: 'score' });
    expect(page.text()).toContain('A 级 ▾');

    await page.change('#stage-picker', { value: '2' });
    expect(wx.last('GET', '/api/mp/leads').query.stage).toBe('contacted');

    const expo = page.data.channelOptions.findIndex((o: { label: string }) => o.label === '上海展会 2026');
    await page.change('#channel-picker', { value: String(expo) });
    expect(wx.last('GET', '/api/mp/leads').query.channelId).toBe('2');
    expect(page.text()).toContain('上海展会 2026 ▾');

    await page.change('#tag-picker', { value: '3' });
    expect(wx.last('GET', '/api/mp/leads').query.tag).toBe('高意向');

    await page.change('#sort-picker', { value: '1' });
    expect(wx.last('GET', '/api/mp/leads').query.sort).toBe('next_step');

    await page.type('#search-input', ' 赵丽 ');
    await page.tap('#search-button');
    expect(wx.last('GET', '/api/mp/leads').query).toEqual({
      scope: 'pool',
      q: '赵丽',
      grade: 'A',
      stage: 'contacted',
      channelId: '2',
      tag: '高意向',
      sort: 'next_step',
    });
  });

  it('gives managers a team tab and the stats link', async () => {
    wx.signIn(fixtures.loginManager());
    withOptions();
    wx.on('GET', '/api/mp/leads', (req) => ({ body: req.query.scope === 'team' ? fixtures.leadsTeam() : fixtures.leadsMinePage1() }));
    const page = await openPage('leads');
    expect(page.texts('tab')).toEqual(['我的', '公海', '我的团队']);

    await page.tap('#tab-team');
    expect(wx.last('GET', '/api/mp/leads').query.scope).toBe('team');
    expect(page.texts('card__name-text')).toEqual(['孙伟', '王小明']);

    await page.tap('#go-stats');
    expect(wx.navigations).toEqual([{ kind: 'navigateTo', url: '/pages/stats/stats' }]);
  });

  it('opens a lead\'s detail on tap', async () => {
    wx.signIn(fixtures.loginRep());
    withOptions();
    wx.on('GET', '/api/mp/leads', { body: fixtures.leadsMinePage1() });
    const page = await openPage('leads');
    await page.tap('#lead-102 >>> .card');
    expect(wx.navigations).toEqual([{ kind: 'navigateTo', url: '/pages/lead/lead?id=102' }]);
  });

  it('says so when there are no leads, and when no lead matches the filters', async () => {
    wx.signIn(fixtures.loginRep());
    withOptions();
    wx.on('GET', '/api/mp/leads', { body: fixtures.leadsEmpty() });
    const page = await openPage('leads');
    expect(page.text()).toContain('暂无线索，客户添加您的企业微信后会出现在这里');

    await page.change('#grade-picker', { value: '3' });
    expect(page.text()).toContain('没有符合条件的线索');
  });

  it('shows the loading state, then an error in Chinese with 重试', async () => {
    wx.signIn(fixtures.loginRep());
    withOptions();
    wx.on('GET', '/api/mp/leads', { status: 500, body: fixtures.errors.internal() }, { body: fixtures.leadsMinePage1(), delayMs: 100 });
    const page = await openPage('leads');
    expect(page.text()).toContain('服务器开小差了，请稍后重试');
    expect(page.text()).not.toContain('internal');
    expect(wx.toasts).toEqual([]);

    await page.tap('#state >>> .state__retry');
    expect(page.text()).toContain('加载中…');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(page.texts('card__name-text')).toEqual(['王小明', '刘芳']);
  });

  it('a failed next page offers a retry and keeps what was loaded', async () => {
    wx.signIn(fixtures.loginRep());
    withOptions();
    wx.on('GET', '/api/mp/leads', { body: fixtures.leadsMinePage1() }, { networkError: true }, { body: fixtures.leadsMinePage2() });
    const page = await openPage('leads');
    await page.lifecycle('onReachBottom');
    expect(page.text()).toContain('网络连接失败，请检查网络后重试，点击重试');
    expect(page.texts('card__name-text')).toEqual(['王小明', '刘芳']);

    await page.tap('#more-retry');
    expect(page.texts('card__name-text')).toEqual(['王小明', '刘芳', '陈杰']);
  });

  it('without a session goes to sign-in', async () => {
    await openPage('leads');
    expect(wx.navigations).toEqual([{ kind: 'reLaunch', url: '/pages/login/login' }]);
    expect(wx.requests).toEqual([]);
  });
});

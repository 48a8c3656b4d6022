import { fixtures } from './fixtures';
import { freezeDate, unfreezeDate } from './support/clock';
import { openPage, renderComponent, settle, useWxFake } from './support/render';

const wx = useWxFake();

beforeEach(() => freezeDate('2026-12-01T02:00:00.000Z'));
afterEach(() => unfreezeDate());

async function openStats() {
  wx.signIn(fixtures.loginManager());
  wx.on('GET', '/api/mp/stats', { body: fixtures.stats() });
  return openPage('stats');
}

describe('manager stats', () => {
  it('draws the funnel, channel conversion and response times for the last 7 Shanghai days', async () => {
    const page = await openStats();
    expect(wx.last('GET', '/api/mp/stats').query).toEqual({ from: '2026-11-25', to: '2026-12-01' });
    expect(page.text()).toContain('2026-11-25至2026-12-01');

    const funnel = page.find('#funnel');
    expect(funnel).toBeTruthy();
    expect(page.texts('chart__label')).toEqual(['新线索', '已联系', '已确认意向', '商机', '已成交', '上海展会 2026', '官网表单', '自然流量', '张三', '赵六', '钱七', '张三', '钱七']);
    expect(page.texts('chart__value')).toEqual([
      '120 条', '84 条', '40 条', '18 条', '9 条',
      '10.0%（6/60）', '6.7%（3/45）', '0.0%（0/15）',
      '35 分钟（40 条）', '2 小时 30 分钟（22 条）', '暂无（0 条）',
      // Chat answers (the chat archive): reps without answers in the range are left out.
      '5 分钟（120 次回复）', '12 分钟（3 次回复）',
    ]);
    for (const title of ['转化漏斗', '渠道转化率', '销售响应时长', '聊天回复时长']) expect(page.text()).toContain(title);
  });

  it('asks again for another range, and refuses a range that ends before it starts', async () => {
    const page = await openStats();
    await page.tap('#preset-30');
    expect(wx.last('GET', '/api/mp/stats').query).toEqual({ from: '2026-11-02', to: '2026-12-01' });

    await page.change('#from', { value: '2026-10-01' });
    expect(wx.last('GET', '/api/mp/stats').query).toEqual({ from: '2026-10-01', to: '2026-12-01' });

    await page.change('#to', { value: '2026-09-30' });
    expect(page.text()).toContain('开始日期不能晚于结束日期');
    expect(wx.sent('GET', '/api/mp/stats')).toHaveLength(3);
  });

  it('an empty range, an error and a member who is not a manager', async () => {
    wx.signIn(fixtures.loginManager());
    wx.on('GET', '/api/mp/stats', { body: fixtures.statsEmpty() }, { status: 404, body: fixtures.errors.notFound() });
    const page = await openPage('stats');
    expect(page.text()).toContain('所选时间内没有数据');
    await page.tap('#preset-90');
    expect(page.text()).toContain('线索不存在或您无权查看');

    wx.reset();
    wx.install();
    wx.signIn(fixtures.loginRep());
    const rep = await openPage('stats');
    expect(rep.text()).toContain('数据看板仅对团队主管开放');
    expect(wx.requests).toEqual([]);
  });
});

describe('chart component', () => {
  it('writes out every figure next to a proportional bar, and says when there is nothing', async () => {
    const chart = renderComponent('components/chart/chart', {
      type: 'bar',
      items: [
        { label: '上海展会 2026', value: 10, display: '10.0%' },
        { label: '官网表单', value: 5, display: '5.0%' },
      ],
    });
    await settle();
    expect(chart.texts('chart__label')).toEqual(['上海展会 2026', '官网表单']);
    expect(chart.data.rows.map((r: { percent: number }) => r.percent)).toEqual([100, 50]);
    expect(chart.exists('#chart-canvas')).toBe(true);

    const empty = renderComponent('components/chart/chart', { type: 'funnel', items: [], emptyText: '暂无跟进数据' });
    await settle();
    expect(empty.text()).toBe('暂无跟进数据');
    expect(empty.exists('#chart-canvas')).toBe(false);
  });
});

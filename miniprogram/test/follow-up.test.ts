import { fixtures } from './fixtures';
import { freezeDate, unfreezeDate } from './support/clock';
import { openPage, useWxFake } from './support/render';

const wx = useWxFake();

beforeEach(() => freezeDate('2026-12-01T02:00:00.000Z')); // 10:00 in Shanghai
afterEach(() => unfreezeDate());

async function openForm() {
  wx.signIn(fixtures.loginRep());
  return openPage('follow-up', { leadId: '101', name: encodeURIComponent('王小明') });
}

describe('follow-up form', () => {
  it('logs a visit with its outcome, content and next step (Shanghai time sent as UTC), then goes back', async () => {
    const page = await openForm();
    expect(page.text()).toContain('跟进 王小明');
    expect(page.text()).toContain('2026-12-02'); // tomorrow by default
    expect(page.text()).toContain('10:00');
    wx.on('POST', '/api/mp/leads/101/follow-ups', { status: 201, body: fixtures.followUpCreated() });

    await page.change('#kind', { value: 'visit' });
    await page.change('#outcome', { value: 'meeting_booked' });
    await page.type('#content', ' 已约周三下午到店 ');
    await page.change('#next-day', { value: '2026-12-03' });
    await page.change('#next-time', { value: '14:00' });
    await page.type('#next-note', '准备样品');
    expect(page.text()).toContain('已约见');
    await page.tap('#submit');

    expect(wx.last('POST', '/api/mp/leads/101/follow-ups').body).toEqual({
      kind: 'visit',
      outcome: 'meeting_booked',
      content: '已约周三下午到店',
      nextStepAt: '2026-12-03T06:00:00.000Z',
      nextStepNote: '准备样品',
    });
    expect(wx.toasts).toEqual(['跟进已保存']);
    expect(wx.navigations).toEqual([{ kind: 'navigateBack', delta: 1 }]);
  });

  it('a note without a next step sends neither time nor note', async () => {
    const page = await openForm();
    wx.on('POST', '/api/mp/leads/101/follow-ups', { status: 201, body: fixtures.followUpCreated() });
    await page.change('#kind', { value: 'note' });
    await page.type('#content', '客户说下个月再联系');
    await page.type('#next-note', '这条不会发出');
    await page.change('#has-next', { value: false });
    expect(page.exists('#next-day')).toBe(false);
    await page.tap('#submit');
    expect(wx.last('POST', '/api/mp/leads/101/follow-ups').body).toEqual({ kind: 'note', content: '客户说下个月再联系' });
  });

  it('asks for content or an outcome, and a next step in the future, before sending anything', async () => {
    const page = await openForm();
    await page.tap('#submit');
    expect(page.text()).toContain('请填写跟进内容或选择结果');

    await page.change('#outcome', { value: 'no_answer' });
    await page.change('#next-day', { value: '2026-12-01' });
    await page.change('#next-time', { value: '09:30' });
    await page.tap('#submit');
    expect(page.text()).toContain('下次跟进时间需要晚于现在');
    expect(wx.requests).toEqual([]);
  });

  it('a refusal is shown in Chinese and the form stays to try again', async () => {
    const page = await openForm();
    wx.on('POST', '/api/mp/leads/101/follow-ups', { status: 403, body: fixtures.errors.forbidden() });
    await page.change('#outcome', { value: 'interested' });
    await page.tap('#submit');
    expect(wx.toasts).toEqual(['只有线索负责人可以记录跟进']);
    expect(wx.navigations).toEqual([]);
    expect(page.data.submitting).toBe(false);
    expect(page.text()).toContain('保存跟进');
  });
});

import { fixtures } from './fixtures';
import { freezeDate, unfreezeDate } from './support/clock';
import { openPage, settle, useWxFake } from './support/render';

const wx = useWxFake();

beforeEach(() => freezeDate('2026-12-01T04:00:00.000Z')); // 12:00 in Shanghai
afterEach(() => unfreezeDate());

const NURTURE = '/api/mp/leads/101/nurture';

async function openOwnLead(nurture: Parameters<typeof wx.on>[2] = { body: fixtures.leadNurture() }) {
  wx.signIn(fixtures.loginRep());
  wx.on('GET', '/api/mp/leads/101', { body: fixtures.leadDetail() });
  wx.on('GET', NURTURE, nurture);
  return openPage('lead', { id: '101' });
}

/** The 培育 section's text only. */
const nurtureText = (page: Awaited<ReturnType<typeof openOwnLead>>) => page.texts('section').find((t) => t.startsWith('培育')) ?? '';

describe('lead detail: nurture (培育)', () => {
  it('shows the lead\'s enrollments: the active one with its next step and a stop link, the finished one with how it ended', async () => {
    const page = await openOwnLead();
    expect(wx.last('GET', NURTURE).headers.Authorization).toBe('Bearer at-zhangsan-1');
    const text = nurtureText(page);
    for (const seen of [
      '报价后跟进', '培育中', '张三手动加入 · 11月30日 17:10 · 共 3 步', '下一步：第 2 步「发送客户案例」，12月2日 10:00', '停止培育',
      '展会认知 → 考虑 → 决策', '已完成', '通过渠道「上海展会 2026」添加', '结束：序列已结束 · 11月30日 17:00',
      '加入培育',
    ]) {
      expect(text).toContain(seen);
    }
    expect(page.texts('nurture__name')).toEqual(['报价后跟进', '展会认知 → 考虑 → 决策']);
    // Only the active enrollment can be stopped.
    expect(page.exists('#stop-nurture-31')).toBe(true);
    expect(page.exists('#stop-nurture-12')).toBe(false);
    expect(text).not.toMatch(/manual|sequence_end|quote-follow-up/);
  });

  it('shows its own loading state while the rest of the lead is already there', async () => {
    const page = await openOwnLead({ body: fixtures.leadNurture(), delayMs: 200 });
    expect(page.text()).toContain('王小明');
    expect(nurtureText(page)).toBe('培育加载中…');
    expect(page.exists('#enroll')).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await settle();
    expect(nurtureText(page)).toContain('报价后跟进');
    expect(page.exists('#enroll')).toBe(true);
  });

  it('a failed load says so in Chinese in the section, without a toast, and 重试 loads it', async () => {
    const page = await openOwnLead({ status: 500, body: fixtures.errors.internal() });
    expect(nurtureText(page)).toContain('服务器开小差了，请稍后重试');
    expect(page.text()).toContain('王小明');
    expect(wx.toasts).toEqual([]);
    expect(page.exists('#enroll')).toBe(false);

    wx.on('GET', NURTURE, { body: fixtures.leadNurture() });
    await page.tap('#nurture-retry');
    expect(wx.sent('GET', NURTURE)).toHaveLength(2);
    expect(nurtureText(page)).toContain('报价后跟进');
    expect(nurtureText(page)).not.toContain('服务器开小差了');
  });

  it('no enrollment yet: says so, and offers 加入培育', async () => {
    const page = await openOwnLead({ body: fixtures.leadNurtureEmpty() });
    expect(nurtureText(page)).toBe('培育还没有加入培育序列加入培育');
  });

  it('a member who may not nurture the lead sees its enrollments but neither 加入培育 nor 停止培育', async () => {
    const page = await openOwnLead({ body: { ...fixtures.leadNurture(), canManage: false } });
    expect(nurtureText(page)).toContain('报价后跟进');
    expect(page.exists('#enroll')).toBe(false);
    expect(page.exists('#stop-nurture-31')).toBe(false);
  });

  it('加入培育: picks a sequence from those open to hand enrollment, confirms, and shows the lead as it is now', async () => {
    const page = await openOwnLead();
    wx.on('GET', '/api/mp/nurture/sequences', { body: fixtures.nurtureSequences() });
    wx.on('POST', NURTURE, { body: fixtures.nurtureEnrolled() });

    await page.tap('#enroll');
    expect(page.exists('#enroll-sheet')).toBe(true);
    const sheet = page.texts('sheet')[0];
    for (const seen of ['报价后跟进 · 共 3 步（培育中）', '报价后一周内三次触达', '沉默客户唤醒 · 共 4 步', '两周未互动的客户', '新品介绍 · 共 2 步']) {
      expect(sheet).toContain(seen);
    }
    // The sequence the lead is in now cannot be picked again.
    expect(page.data.sequenceChoices.map((s: { key: string; inIt: boolean }) => [s.key, s.inIt])).toEqual([
      ['quote-follow-up', true],
      ['silent-wakeup', false],
      ['new-product', false],
    ]);

    await page.tap('#enroll-confirm');
    expect(page.text()).toContain('请选择培育序列');
    expect(wx.sent('POST', NURTURE)).toHaveLength(0);

    const enrolled = fixtures.nurtureEnrolled().enrollment;
    wx.on('GET', NURTURE, { body: { ...fixtures.leadNurture(), enrollments: [enrolled, ...fixtures.leadNurture().enrollments] } });
    await page.change('#sequence-options', { value: 'silent-wakeup' });
    await page.tap('#enroll-confirm');
    expect(wx.last('POST', NURTURE).body).toEqual({ sequenceKey: 'silent-wakeup' });
    expect(wx.toasts).toEqual(['已加入培育「沉默客户唤醒」']);
    expect(page.exists('#enroll-sheet')).toBe(false);
    // The lead (its timeline) and its nurture are read again.
    expect(wx.sent('GET', '/api/mp/leads/101')).toHaveLength(2);
    expect(wx.sent('GET', NURTURE)).toHaveLength(2);
    expect(page.texts('nurture__name')).toEqual(['沉默客户唤醒', '报价后跟进', '展会认知 → 考虑 → 决策']);
    expect(nurtureText(page)).toContain('下一步：第 1 步「行业资讯第一期」，12月2日 11:00');
  });

  it('a refused enrollment keeps the sheet open with the server\'s Chinese message', async () => {
    const page = await openOwnLead();
    wx.on('GET', '/api/mp/nurture/sequences', { body: fixtures.nurtureSequences() });
    wx.on('POST', NURTURE, { status: 409, body: fixtures.errors.alreadyEnrolled() });
    await page.tap('#enroll');
    await page.change('#sequence-options', { value: 'silent-wakeup' });
    await page.tap('#enroll-confirm');
    expect(wx.toasts).toEqual(['该线索已在培育序列「沉默客户唤醒」中']);
    expect(page.exists('#enroll-sheet')).toBe(true);
    expect(page.texts('field-error')).toEqual(['该线索已在培育序列「沉默客户唤醒」中']);
    expect(page.data.busy).toBe('');
  });

  it('no sequence open to hand enrollment: says whom to ask, and nothing can be confirmed', async () => {
    const page = await openOwnLead();
    wx.on('GET', '/api/mp/nurture/sequences', { body: fixtures.nurtureSequencesEmpty() });
    await page.tap('#enroll');
    expect(page.texts('sheet')[0]).toContain('暂无可手动加入的培育序列，请联系管理员');
    expect(page.exists('#sequence-options')).toBe(false);
    await page.tap('#enroll-confirm');
    expect(wx.sent('POST', NURTURE)).toHaveLength(0);
  });

  it('停止培育 asks first; cancelling sends nothing, confirming stops it and shows the lead as it is now', async () => {
    const page = await openOwnLead();
    const exit = `${NURTURE}/31/exit`;
    wx.on('POST', exit, { body: fixtures.nurtureStopped() });

    await page.tap('#stop-nurture-31');
    expect(page.exists('#stop-nurture-sheet')).toBe(true);
    expect(page.texts('sheet')[0]).toContain('停止后，「报价后跟进」的后续内容不再发送给该客户。之后可以重新加入。');
    await page.tap('.mask');
    expect(page.exists('#stop-nurture-sheet')).toBe(false);
    expect(wx.sent('POST', exit)).toHaveLength(0);

    wx.on('GET', NURTURE, { body: { ...fixtures.leadNurture(), enrollments: [fixtures.nurtureStopped().enrollment, fixtures.leadNurture().enrollments[1]] } });
    await page.tap('#stop-nurture-31');
    await page.tap('#stop-nurture-confirm');
    expect(wx.sent('POST', exit)).toHaveLength(1);
    expect(wx.toasts).toEqual(['已停止培育「报价后跟进」']);
    expect(page.exists('#stop-nurture-sheet')).toBe(false);
    expect(page.exists('#stop-nurture-31')).toBe(false);
    expect(nurtureText(page)).toContain('结束：手动退出 · 今天 11:05');
  });

  it('a stop refused because it had ended meanwhile says so, and shows it ended', async () => {
    const page = await openOwnLead();
    wx.on('POST', `${NURTURE}/31/exit`, { status: 409, body: fixtures.errors.notActive() });
    await page.tap('#stop-nurture-31');
    wx.on('GET', NURTURE, { body: { ...fixtures.leadNurture(), enrollments: [fixtures.nurtureStopped().enrollment] } });
    await page.tap('#stop-nurture-confirm');
    expect(wx.toasts).toEqual(['培育序列「报价后跟进」已经结束']);
    expect(page.texts('field-error')).toEqual(['培育序列「报价后跟进」已经结束']);
    expect(page.exists('#stop-nurture-31')).toBe(false);
  });
});

import { fixtures } from './fixtures';
import { openPage, useWxFake } from './support/render';

const wx = useWxFake();

async function openOwnLead() {
  wx.signIn(fixtures.loginRep());
  wx.on('GET', '/api/mp/leads/101', { body: fixtures.leadDetail() });
  wx.on('GET', '/api/mp/leads/101/nurture', { body: fixtures.leadNurture() });
  return openPage('lead', { id: '101' });
}

describe('lead detail', () => {
  it('shows the profile, score breakdown, tags, follow-ups and the whole timeline', async () => {
    const page = await openOwnLead();
    expect(wx.last('GET', '/api/mp/leads/101').headers.Authorization).toBe('Bearer at-zhangsan-1');
    const text = page.text();
    for (const seen of [
      '王小明', 'A 级', '已确认意向', '明远科技有限公司', '男', '86 分',
      '138****8000', '查看号码', '上海展会 2026',
      '渠道：上海展会 2026', '+20', '客户回复', '+30',
      '上海展会', '高意向',
      '电话', '有意向', '客户对年度套餐感兴趣，下周约见。', '（带报价单拜访）', '企微沟通', '未接通',
      '张三 电话跟进，结果：有意向', '阶段从「已联系」变更为「已确认意向」', '通过渠道「上海展会 2026」添加了张三',
    ]) {
      expect(text).toContain(seen);
    }
    expect(page.texts('timeline__summary')).toHaveLength(3);
    // The owner's actions, and not the pool's.
    expect(page.exists('#follow-up')).toBe(true);
    expect(page.exists('#change-stage')).toBe(true);
    expect(page.exists('#return')).toBe(true);
    expect(page.exists('#claim')).toBe(false);
    expect(page.exists('#edit-tags')).toBe(true);
  });

  it('reveals the phone only with a purpose, then offers to call', async () => {
    const page = await openOwnLead();
    wx.on('POST', '/api/mp/leads/101/phone/reveal', { body: fixtures.reveal() });

    await page.tap('#reveal');
    expect(page.text()).toContain('查看会被记录，请说明用途');
    await page.type('#purpose', '回');
    await page.tap('#reveal-confirm');
    expect(page.text()).toContain('请填写查看用途（2–100 字）');
    expect(wx.sent('POST', '/api/mp/leads/101/phone/reveal')).toHaveLength(0);

    await page.type('#purpose', '  电话回访客户 ');
    await page.tap('#reveal-confirm');
    expect(wx.last('POST', '/api/mp/leads/101/phone/reveal').body).toEqual({ purpose: '电话回访客户' });
    expect(page.text()).toContain('13800138000');
    expect(page.exists('#reveal-sheet')).toBe(false);

    await page.tap('#call');
    expect(wx.phoneCalls).toEqual(['13800138000']);
  });

  it('a refused reveal keeps the number masked and says why in Chinese', async () => {
    const page = await openOwnLead();
    wx.on('POST', '/api/mp/leads/101/phone/reveal', { status: 400, body: fixtures.errors.validation() });
    await page.tap('#reveal');
    await page.type('#purpose', '核对客户信息');
    await page.tap('#reveal-confirm');
    expect(wx.toasts).toEqual(['填写的内容有误，请检查后重试']);
    expect(page.text()).toContain('138****8000');
    expect(page.text()).not.toContain('13800138000');
    expect(page.text()).not.toMatch(/request is invalid|Too small/);
  });

  it('edits tags from the corp tag list', async () => {
    const page = await openOwnLead();
    wx.on('GET', '/api/mp/tags', { body: fixtures.tags() });
    wx.on('PUT', '/api/mp/leads/101/tags', { body: fixtures.tagsSaved() });
    await page.tap('#edit-tags');
    const sheet = page.texts('tag-group__name');
    expect(sheet).toEqual(['来源', '意向', '门店']);
    expect(page.text()).toContain('门店：静安店');

    wx.on('GET', '/api/mp/leads/101', { body: { ...fixtures.leadDetail(), tags: ['上海展会', '报价中'] } });
    await page.change('#tag-options', { value: ['上海展会', '报价中'] });
    await page.tap('#tags-save');
    expect(wx.last('PUT', '/api/mp/leads/101/tags').body).toEqual({ tags: ['上海展会', '报价中'] });
    expect(wx.toasts).toEqual(['标签已保存']);
    expect(page.exists('#tags-sheet')).toBe(false);
    expect(page.text()).toContain('报价中');
    expect(page.text()).not.toContain('高意向');
  });

  it('changes the stage, and shows the server\'s Chinese refusal of a transition', async () => {
    const page = await openOwnLead();
    wx.on('GET', '/api/mp/stages', { body: fixtures.stages() });
    wx.on('POST', '/api/mp/leads/101/stage', { status: 409, body: fixtures.errors.invalidTransition() }, { body: fixtures.stageChanged() });

    await page.tap('#change-stage');
    expect(page.text()).toContain('当前阶段：已确认意向');
    expect(page.text()).not.toContain('已确认意向 已确认意向');
    await page.tap('#stage-confirm');
    expect(page.text()).toContain('请选择新的阶段');

    await page.change('#stage-options', { value: 'won' });
    await page.tap('#stage-confirm');
    expect(wx.last('POST', '/api/mp/leads/101/stage').body).toEqual({ stage: 'won' });
    expect(wx.toasts).toEqual(['不能从「已确认意向」变更为「已成交」']);
    expect(page.text()).toContain('不能从「已确认意向」变更为「已成交」');

    wx.on('GET', '/api/mp/leads/101', { body: { ...fixtures.leadDetail(), stage: 'opportunity', stageLabel: '商机' } });
    await page.change('#stage-options', { value: 'opportunity' });
    await page.type('#stage-reason', '客户要报价');
    await page.tap('#stage-confirm');
    expect(wx.last('POST', '/api/mp/leads/101/stage').body).toEqual({ stage: 'opportunity', reason: '客户要报价' });
    expect(wx.toasts[1]).toBe('阶段已变更为「商机」');
    expect(page.exists('#stage-sheet')).toBe(false);
    expect(page.text()).toContain('商机');
  });

  it('returns a lead to the pool with a reason', async () => {
    const page = await openOwnLead();
    wx.on('POST', '/api/mp/leads/101/return', { body: fixtures.returned() });
    await page.tap('#return');
    await page.tap('#return-confirm');
    expect(page.text()).toContain('请填写退回原因');
    expect(wx.sent('POST', '/api/mp/leads/101/return')).toHaveLength(0);

    wx.on('GET', '/api/mp/leads/101', {
      body: { ...fixtures.leadDetail(), inPool: true, ownerUserId: null, actions: { ...fixtures.leadDetail().actions, canReturn: false, canFollowUp: false, canChangeStage: false, canClaim: true } },
    });
    await page.type('#return-reason', '客户暂无需求');
    await page.tap('#return-confirm');
    expect(wx.last('POST', '/api/mp/leads/101/return').body).toEqual({ reason: '客户暂无需求' });
    expect(wx.toasts).toEqual(['已退回公海']);
    expect(page.exists('#return')).toBe(false);
    expect(page.exists('#claim')).toBe(true);
    expect(page.text()).toContain('公海');
  });

  it('claims a pool lead; a lost race shows the server\'s message and the lead as it is', async () => {
    wx.signIn(fixtures.loginRep());
    wx.on('GET', '/api/mp/leads/201', { body: fixtures.leadDetailPool() });
    wx.on('GET', '/api/mp/leads/201/nurture', { body: fixtures.leadNurturePool() });
    const page = await openPage('lead', { id: '201' });
    expect(page.exists('#claim')).toBe(true);
    expect(page.exists('#follow-up')).toBe(false);
    expect(page.exists('#reveal')).toBe(false);
    expect(page.text()).toContain('超过 24 小时未跟进，已释放到公海');
    expect(page.text()).toContain('还没有跟进记录');

    wx.on('POST', '/api/mp/leads/201/claim', { status: 409, body: fixtures.errors.alreadyClaimed() }, { body: fixtures.claimed() });
    await page.tap('#claim');
    expect(wx.toasts).toEqual(['该线索已被其他同事认领']);
    expect(wx.sent('GET', '/api/mp/leads/201')).toHaveLength(2);

    wx.on('GET', '/api/mp/leads/201', {
      body: { ...fixtures.leadDetailPool(), inPool: false, ownerUserId: 'zhangsan', actions: { ...fixtures.leadDetail().actions } },
    });
    await page.tap('#claim');
    expect(wx.sent('POST', '/api/mp/leads/201/claim')).toHaveLength(2);
    expect(wx.toasts[1]).toBe('认领成功');
    expect(page.exists('#claim')).toBe(false);
    expect(page.exists('#follow-up')).toBe(true);
  });

  it('opens the follow-up form for this lead', async () => {
    const page = await openOwnLead();
    await page.tap('#follow-up');
    expect(wx.navigations).toEqual([{ kind: 'navigateTo', url: '/pages/follow-up/follow-up?leadId=101&name=%E7%8E%8B%E5%B0%8F%E6%98%8E' }]);
  });

  it('a lead the member may not see reads as missing, in Chinese', async () => {
    wx.signIn(fixtures.loginRep());
    wx.on('GET', '/api/mp/leads/999', { status: 404, body: fixtures.errors.notFound() });
    const page = await openPage('lead', { id: '999' });
    expect(page.text()).toContain('线索不存在或您无权查看');
  });
});

/**
 * What `npm run screenshots` shows: one entry per PNG in docs/screenshots/. Each opens a page of
 * the mini-program as the page tests do (miniprogram/test/support/render.ts), with wx.request
 * answered from the fixtures in miniprogram/test/fixtures/, and may then act as a user (tap, type)
 * before the picture is taken.
 *
 * Fields: name (the PNG's file name), page (its folder under miniprogram/pages/), query (what
 * onLoad gets), caption (English, for docs/screenshots.md), setup(wx, fixtures) (sign-in and the
 * replies), act(page, wx) (optional), viewport: true for a phone-screen picture (sheets and
 * dialogs) instead of the whole page; back: true when the page is opened on top of another (the
 * navigation bar shows the way back).
 */

/** The lead list's own requests besides GET /api/mp/leads. */
function listOptions(wx, fixtures) {
  wx.on('GET', '/api/mp/stages', { body: fixtures.stages() });
  wx.on('GET', '/api/mp/tags', { body: fixtures.tags() });
}

function ownLead(wx, fixtures) {
  wx.signIn(fixtures.loginRep());
  wx.on('GET', '/api/mp/leads/101', { body: fixtures.leadDetail() });
  wx.on('GET', '/api/mp/leads/101/nurture', { body: fixtures.leadNurture() });
  listOptions(wx, fixtures);
}

const scenarios = [
  {
    name: 'login-demo',
    page: 'login',
    caption: 'Sign-in outside WeCom (the development build): the demo sign-in code form',
    setup() {},
  },
  {
    name: 'login-loading',
    page: 'login',
    caption: 'Signing in inside WeCom: the loading state while the server answers',
    setup(wx, fixtures) {
      wx.qy = { code: 'qy-code-1' };
      // Answered long after the picture is taken (./run.js ends jest with --forceExit).
      wx.on('POST', '/api/mp/login', { body: fixtures.loginRep(), delayMs: 600000 });
    },
  },
  {
    name: 'login-refused',
    page: 'login',
    caption: 'Sign-in refused: the server\'s Chinese message and 重试 (retry)',
    setup(wx, fixtures) {
      wx.qy = { code: 'qy-code-1' };
      wx.on('POST', '/api/mp/login', { status: 403, body: fixtures.errors.notAMember() });
    },
  },
  {
    name: 'leads-mine',
    page: 'leads',
    caption: 'Lead list, a rep\'s own leads (我的), sorted by score',
    setup(wx, fixtures) {
      wx.signIn(fixtures.loginRep());
      listOptions(wx, fixtures);
      wx.on('GET', '/api/mp/leads', { body: fixtures.leadsMinePage1() });
    },
  },
  {
    name: 'leads-team',
    page: 'leads',
    caption: 'Lead list of a manager: the team tab (我的团队) and the link to the stats (数据看板)',
    setup(wx, fixtures) {
      wx.signIn(fixtures.loginManager());
      listOptions(wx, fixtures);
      wx.on('GET', '/api/mp/leads', (req) => ({ body: req.query.scope === 'team' ? fixtures.leadsTeam() : fixtures.leadsMinePage1() }));
    },
    async act(page) {
      await page.tap('#tab-team');
    },
  },
  {
    name: 'leads-pool-empty',
    page: 'leads',
    caption: 'Lead list, the pool (公海) with nothing in it: the empty state',
    setup(wx, fixtures) {
      wx.signIn(fixtures.loginRep());
      listOptions(wx, fixtures);
      wx.on('GET', '/api/mp/leads', (req) => ({ body: req.query.scope === 'pool' ? fixtures.leadsEmpty() : fixtures.leadsMinePage1() }));
    },
    async act(page) {
      await page.tap('#tab-pool');
    },
  },
  {
    name: 'lead-detail',
    back: true,
    page: 'lead',
    query: { id: '101' },
    caption: 'Lead detail of the rep\'s own lead: profile, score breakdown, tags, follow-ups, nurture (培育), timeline and actions',
    setup: ownLead,
  },
  {
    name: 'lead-nurture-enroll',
    back: true,
    page: 'lead',
    query: { id: '101' },
    caption: '加入培育 (enroll in a nurture sequence): the sequences open to hand enrollment, the one the lead is in already marked',
    viewport: true,
    setup(wx, fixtures) {
      ownLead(wx, fixtures);
      wx.on('GET', '/api/mp/nurture/sequences', { body: fixtures.nurtureSequences() });
    },
    async act(page) {
      await page.tap('#enroll');
      await page.change('#sequence-options', { value: 'silent-wakeup' });
    },
  },
  {
    name: 'lead-nurture-stop',
    back: true,
    page: 'lead',
    query: { id: '101' },
    caption: '停止培育 (stop nurturing): asked before the sequence stops',
    viewport: true,
    setup: ownLead,
    async act(page) {
      await page.tap('#stop-nurture-31');
    },
  },
  {
    name: 'lead-reveal',
    back: true,
    page: 'lead',
    query: { id: '101' },
    caption: 'Tap-to-reveal the phone number: the purpose is asked for and logged',
    viewport: true,
    setup: ownLead,
    async act(page) {
      await page.tap('#reveal');
    },
  },
  {
    name: 'lead-revealed',
    page: 'lead',
    query: { id: '101' },
    back: true,
    caption: 'After the reveal: the whole number, and 拨打 (call)',
    viewport: true,
    setup(wx, fixtures) {
      ownLead(wx, fixtures);
      wx.on('POST', '/api/mp/leads/101/phone/reveal', { body: fixtures.reveal() });
    },
    async act(page) {
      await page.tap('#reveal');
      await page.type('#purpose', '电话回访客户');
      await page.tap('#reveal-confirm');
    },
  },
  {
    name: 'lead-stage',
    back: true,
    page: 'lead',
    query: { id: '101' },
    caption: 'Changing the stage',
    viewport: true,
    setup: ownLead,
    async act(page) {
      await page.tap('#change-stage');
    },
  },
  {
    name: 'lead-tags',
    back: true,
    page: 'lead',
    query: { id: '101' },
    caption: 'Editing the tags, picked from the corp\'s tags',
    viewport: true,
    setup: ownLead,
    async act(page) {
      await page.tap('#edit-tags');
    },
  },
  {
    name: 'lead-pool',
    back: true,
    page: 'lead',
    query: { id: '201' },
    caption: 'A lead in the pool: 认领 (claim) is the only action',
    setup(wx, fixtures) {
      wx.signIn(fixtures.loginRep());
      wx.on('GET', '/api/mp/leads/201', { body: fixtures.leadDetailPool() });
      wx.on('GET', '/api/mp/leads/201/nurture', { body: fixtures.leadNurturePool() });
    },
  },
  {
    name: 'follow-up',
    back: true,
    page: 'follow-up',
    query: { leadId: '101', name: encodeURIComponent('王小明') },
    caption: 'Writing a follow-up, with the next step\'s time',
    setup(wx, fixtures) {
      wx.signIn(fixtures.loginRep());
    },
  },
  {
    name: 'chat-tool-lead',
    page: 'lead',
    query: { externalUserId: 'wmABC_123' },
    caption: 'Opened from the WeCom chat toolbar: the customer of the chat, made a lead on the way',
    back: true,
    setup(wx, fixtures) {
      wx.signIn(fixtures.loginRep());
      wx.on('GET', '/api/mp/contacts/wmABC_123/lead', { body: fixtures.leadDetailContact() });
      wx.on('GET', '/api/mp/leads/120/nurture', { body: fixtures.leadNurtureEmpty() });
    },
  },
  {
    name: 'chat-tool-elsewhere',
    page: 'chat-tool',
    caption: 'The chat toolbar entry opened elsewhere in WeCom: where to open it, and the way to the lead list',
    setup(wx, fixtures) {
      wx.signIn(fixtures.loginRep());
      wx.qy = { entry: 'normal' };
    },
  },
  {
    name: 'entry',
    page: 'entry',
    caption: 'Member entry of a store clerk: name, phone, the consent with its version, and today\'s entries',
    setup(wx, fixtures) {
      wx.signIn(fixtures.loginClerk());
      wx.on('GET', '/api/mp/consent', { body: fixtures.consent() });
      wx.on('GET', '/api/mp/entries', { body: fixtures.entriesToday() });
    },
  },
  {
    name: 'entry-filled',
    page: 'entry',
    caption: 'Member entry filled in, consent ticked, before 提交 (submit)',
    viewport: true,
    setup(wx, fixtures) {
      wx.signIn(fixtures.loginClerk());
      wx.on('GET', '/api/mp/consent', { body: fixtures.consent() });
      wx.on('GET', '/api/mp/entries', { body: fixtures.entriesToday() });
    },
    async act(page) {
      await page.type('#name', '吴敏');
      await page.type('#phone', '13800135678');
      await page.change('#consent', { value: ['yes'] });
    },
  },
  {
    name: 'stats',
    page: 'stats',
    caption: 'Manager stats over the last 7 days: funnel, channel conversion and rep response times',
    back: true,
    setup(wx, fixtures) {
      wx.signIn(fixtures.loginManager());
      wx.on('GET', '/api/mp/stats', { body: fixtures.stats() });
    },
  },
  {
    name: 'stats-empty',
    page: 'stats',
    caption: 'Manager stats with nothing in the range: the empty state',
    back: true,
    setup(wx, fixtures) {
      wx.signIn(fixtures.loginManager());
      wx.on('GET', '/api/mp/stats', { body: fixtures.statsEmpty() });
    },
  },
];

module.exports = { scenarios };

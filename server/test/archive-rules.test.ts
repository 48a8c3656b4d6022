import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chatRules } from '../src/archive/rules/chat-rules';
import { chatRulesSchema } from '../src/archive/rules/chat-rules-schema';
import { matchRules, MAX_TEXT_LENGTH } from '../src/archive/rules/match-rules';
import { patternProblem } from '../src/archive/rules/pattern-safety';
import { publishEvent } from '../src/events/publish';
import type { DomainEvent } from '../src/events/types';
import { GroupChat } from '../src/groups/group-chat.entity';
import { Lead } from '../src/leads/lead.entity';
import { LeadTag } from '../src/leads/lead-tag.entity';
import { defaultScoringRules } from '../src/leads/scoring/rules';
import { describeIssues } from '../src/util/config-file';
import { makeLead, makeMember, makeTeam } from './support/factories';
import { Harness, queuesSettled, startHarness } from './support/harness';

const issuesOf = (input: unknown) => {
  const parsed = chatRulesSchema.safeParse(input);
  return parsed.success ? '' : describeIssues(parsed.error);
};

describe('chat rules: the file, the schema and the matcher', () => {
  it('config/chat-rules.json is valid, and every intent id scores through an intent_keyword rule of config/scoring.json', () => {
    const rules = chatRules();
    expect(rules.intent.map((r) => r.id)).toEqual(expect.arrayContaining(['price', 'trial', 'purchase', 'booking']));
    expect(rules.sensitive.map((r) => r.id)).toEqual(['promise', 'offline_payment', 'contact_details']);
    const scoring = defaultScoringRules().behaviours.filter((b) => b.kind === 'intent_keyword');
    for (const rule of rules.intent) {
      const covering = scoring.filter((b) => b.match === 'exact' && b.values?.includes(rule.id));
      expect({ id: rule.id, covered: covering.length }).toEqual({ id: rule.id, covered: 1 });
    }
  });

  it('a bad regular expression, an unknown field, a duplicate id and a rule with nothing to match are refused, naming the field', () => {
    expect(issuesOf({ intent: [{ id: 'price', label: '询价', patterns: ['(报价'] }] })).toMatch(/^intent\.0\.patterns\.0: pattern does not compile: .*Unterminated group/);
    expect(issuesOf({ intent: [{ id: 'price', label: '询价', keywords: ['报价'], keyword: '价格' }] })).toBe('intent.0: Unrecognized key: "keyword"');
    expect(issuesOf({ sensitve: [] })).toBe(': Unrecognized key: "sensitve"');
    expect(issuesOf({ sensitive: [{ id: 'a', label: 'A', keywords: ['x'] }, { id: 'a', label: 'B', keywords: ['y'] }] })).toBe('sensitive.1.id: id a is used twice');
    expect(issuesOf({ sensitive: [{ id: 'empty', label: '空' }] })).toBe('sensitive.0.keywords: give at least one keyword or pattern');
    expect(issuesOf({ intent: [{ id: 'Price', label: '询价', keywords: ['报价'] }] })).toMatch(/^intent\.0\.id: id is 1-32 lowercase letters/);
    expect(issuesOf({ intent: [{ id: 'price', label: '询价', keywords: ['报价'], tags: ['x'.repeat(65)] }] })).toMatch(/^intent\.0\.tags\.0: /);
  });

  it('patterns that can backtrack exponentially, back-references and long patterns are refused; ordinary ones pass', () => {
    for (const bad of ['(a+)+$', '(?:\\d{3})*x', '(a|ab)+c', '((?:x)y?)+', '(.*)+', '(\\w+)\\1', '(?<w>a)\\k<w>']) {
      expect({ bad, problem: patternProblem(bad) }).toEqual({ bad, problem: expect.stringMatching(/exponential time/) });
    }
    expect(patternProblem('a'.repeat(201))).toBe('pattern is longer than 200 characters');
    for (const good of ['\\d{4,}', '(?:ab)+', '(?:ab){2,3}', '(?<!\\d)1[3-9]\\d{9}(?!\\d)', '[(a+)]+', '\\p{Script=Han}+', '\\u{1F600}{2,}', '(?:微信|vx)[:：]?\\w{6,20}']) {
      expect({ good, problem: patternProblem(good) }).toEqual({ good, problem: null });
    }
    // Through the loader: the start-up check reports the file and the field.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-rules-'));
    const before = process.env.XIANSUO_CONFIG_DIR;
    try {
      process.env.XIANSUO_CONFIG_DIR = dir;
      expect(chatRules()).toEqual({ intent: [], sensitive: [] });
      fs.writeFileSync(path.join(dir, 'chat-rules.json'), JSON.stringify({ sensitive: [{ id: 'slow', label: '慢', patterns: ['(x+x+)+y'] }] }));
      const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-rules-'));
      fs.copyFileSync(path.join(dir, 'chat-rules.json'), path.join(otherDir, 'chat-rules.json'));
      process.env.XIANSUO_CONFIG_DIR = otherDir;
      expect(() => chatRules()).toThrow(`chat rules in ${path.join(otherDir, 'chat-rules.json')} are invalid: sensitive.0.patterns.0: pattern repeats a group without bound`);
    } finally {
      if (before === undefined) delete process.env.XIANSUO_CONFIG_DIR;
      else process.env.XIANSUO_CONFIG_DIR = before;
    }
  });

  it('every shipped pattern stays fast on adversarial text as long as a message is read', () => {
    const rules = chatRules();
    const nasty = [
      'a'.repeat(MAX_TEXT_LENGTH),
      '1'.repeat(MAX_TEXT_LENGTH),
      '1 '.repeat(MAX_TEXT_LENGTH / 2),
      '微信'.repeat(MAX_TEXT_LENGTH / 2),
      '微信号：a'.repeat(MAX_TEXT_LENGTH / 5),
      'qq'.repeat(MAX_TEXT_LENGTH / 2),
      '保证'.repeat(MAX_TEXT_LENGTH / 2),
      '明天'.repeat(MAX_TEXT_LENGTH / 2),
      `${'x'.repeat(MAX_TEXT_LENGTH - 1)}!`,
    ];
    for (const rule of [...rules.intent, ...rules.sensitive]) {
      for (const source of rule.patterns) {
        const pattern = new RegExp(source, 'giu');
        for (const text of nasty) {
          const started = process.hrtime.bigint();
          [...text.matchAll(pattern)];
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          expect({ source, text: text.slice(0, 10), slow: ms > 50 }).toEqual({ source, text: text.slice(0, 10), slow: false });
        }
      }
    }
  });

  it('matches keywords case-insensitively as substrings (full-width as narrow), then patterns; each rule once, in the rules order', () => {
    const rules = chatRulesSchema.parse({
      intent: [
        { id: 'trial', label: '试用', keywords: ['demo', '试用'] },
        { id: 'price', label: '询价', keywords: ['报价'], patterns: ['怎么(?:收费|卖)'] },
        { id: 'never', label: '无', keywords: ['不会出现'] },
        { id: 'empty_first', label: '空匹配', patterns: ['x*'] },
      ],
    }).intent;
    expect(matchRules(rules, '能先看个 DEMO 吗？这个怎么收费，给个报价')).toEqual([
      { id: 'trial', label: '试用', matched: 'demo' },
      { id: 'price', label: '询价', matched: '报价' },
    ]);
    expect(matchRules(rules, '你们这个怎么卖')).toEqual([{ id: 'price', label: '询价', matched: '怎么卖' }]);
    expect(matchRules(rules, 'ＤＥＭＯ 可以试试')).toEqual([{ id: 'trial', label: '试用', matched: 'demo' }]);
    // A pattern that can match nothing is read on to its first real match.
    expect(matchRules(rules, 'abc xxx')).toEqual([{ id: 'empty_first', label: '空匹配', matched: 'xxx' }]);
    expect(matchRules(rules, null)).toEqual([]);
    expect(matchRules(rules, '')).toEqual([]);
    // Only the first MAX_TEXT_LENGTH characters are read.
    expect(matchRules(rules, `${'好'.repeat(MAX_TEXT_LENGTH)}报价`)).toEqual([]);

    const shipped = chatRules().sensitive;
    expect(matchRules(shipped, '加我微信 ＶＸ：ZhangSan_88，或者打 138 1234 5678').map((m) => [m.id, m.matched])).toEqual([['contact_details', '138 1234 5678']]);
    expect(matchRules(shipped, '订单号 2024138123456789 已发货')).toEqual([]);
    expect(matchRules(shipped, '这个产品我保证你三个月就能赚回来，钱直接微信转我')).toEqual([
      { id: 'promise', label: '承诺收益/效果', matched: '保证你三个月就能赚' },
      { id: 'offline_payment', label: '私下收款', matched: '微信转我' },
    ]);
  });
});

describe('chat rules on archived messages', () => {
  let h: Harness;
  let team: { id: number };
  const ds = () => h.runtime.ctx.dataSource;
  let seq = 0;

  beforeAll(async () => {
    h = await startHarness({ simulator: { members: [{ userid: 'rep-a' }, { userid: 'rep-b' }] } });
    await makeMember(h, 'rep-a', { roles: ['rep'], name: '张三' });
    await makeMember(h, 'rep-b', { roles: ['rep'], name: '李四' });
    team = await makeTeam(h, { name: '华东销售', members: ['rep-a'] });
    const otherTeam = await makeTeam(h, { name: '华北销售', members: ['rep-b'] });
    await makeMember(h, 'boss', { roles: ['manager'], name: '王经理', managedTeamIds: [team.id] });
    // Manages the team but no longer holds the manager role, and one who manages another team: neither is told.
    await makeMember(h, 'ex-boss', { roles: ['rep'], name: '前经理', managedTeamIds: [team.id] });
    await makeMember(h, 'north-boss', { roles: ['manager'], name: '赵经理', managedTeamIds: [otherTeam.id] });
    // A sequence a chat intent's tag enrolls in: lead.tagged has a subscriber, so its event is written.
    const created = await h.admin('POST', '/api/admin/nurture/sequences', {
      key: 'chat-intent',
      name: '询价跟进',
      triggers: [
        { type: 'tag_added', tag: '意向-询价' },
        { type: 'tag_added', tag: '意向-试用' },
      ],
      steps: [{ id: 'hello', delay: { from: 'enrollment', hours: 2 }, action: { type: 'push_content', text: { content: '您好，这是产品报价单。' } } }],
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => h?.close());

  const publish = async (event: DomainEvent) => {
    await ds().transaction((m) => publishEvent(m, event));
    await queuesSettled(h);
  };
  const customerSays = (lead: Lead, text: string | null, opts: { msgid?: string; roomId?: string; key?: string } = {}): DomainEvent<'customer.message_received'> => {
    const msgid = opts.msgid ?? `cust-${++seq}`;
    return {
      name: 'customer.message_received',
      key: opts.key ?? `customer.message_received:${msgid}`,
      occurredAt: Date.now(),
      payload: { leadId: lead.id, externalUserId: lead.externalUserId!, userId: 'rep-a', roomId: opts.roomId ?? null, msgid, text, sentAt: Date.now() },
    };
  };
  const repSays = (userId: string, leadId: number | null, text: string | null, opts: { msgid?: string; roomId?: string; key?: string } = {}): DomainEvent<'member.message_sent'> => {
    const msgid = opts.msgid ?? `rep-${++seq}`;
    return {
      name: 'member.message_sent',
      key: opts.key ?? `member.message_sent:${msgid}`,
      occurredAt: Date.now(),
      payload: { leadId, userId, externalUserId: leadId ? 'wm-x' : null, roomId: opts.roomId ?? null, msgid, text, sentAt: Date.now() },
    };
  };
  const activities = async (leadId: number) =>
    ((await ds().query(`SELECT kind, value FROM lead_activity WHERE lead_id = ? ORDER BY id`, [leadId])) as Array<{ kind: string; value: string | null }>).map((a) => [a.kind, a.value]);
  const timeline = async (leadId: number, kind: string) =>
    ((await ds().query(`SELECT summary FROM timeline_entry WHERE lead_id = ? AND kind = ? ORDER BY id`, [leadId, kind])) as Array<{ summary: string }>).map((t) => t.summary);
  const tags = async (leadId: number) => (await ds().getRepository(LeadTag).find({ where: { leadId }, order: { id: 'ASC' } })).map((t) => [t.name, t.source, t.tagId]);
  const taggedEvents = async (leadId: number) =>
    ((await ds().query(`SELECT payload FROM job WHERE kind = 'event:lead.tagged'`)) as Array<{ payload: string }>)
      .map((j) => JSON.parse(j.payload).event.payload)
      .filter((p) => p.leadId === leadId);
  const alerts = () =>
    h.sim
      .successfulCalls('message/send')
      .map((c) => c.body as { touser: string; text: { content: string } })
      .filter((b) => b.text?.content.startsWith('【敏感词提醒】'));

  it('a customer asking for a price: a reply and an intent activity, the rule tags with lead.tagged, a timeline entry, and the score breakdown gives the reason', async () => {
    const lead = await makeLead(ds(), { externalUserId: 'wm-price', ownerUserId: 'rep-a', source: 'wecom' });
    const asked = customerSays(lead, '你好，企业版多少钱？能再便宜点吗');
    await publish(asked);

    expect(await activities(lead.id)).toEqual([
      ['customer_reply', null],
      ['intent_keyword', 'price'],
    ]);
    expect(await tags(lead.id)).toEqual([['意向-询价', 'chat', null]]);
    expect(await taggedEvents(lead.id)).toEqual([{ leadId: lead.id, tags: ['意向-询价'], source: 'chat' }]);
    expect(await timeline(lead.id, 'chat.intent')).toEqual(['客户在聊天中提到「多少钱」（询价）']);
    const enrolled = await ds().query(`SELECT sequence_key AS sequenceKey, reason_detail AS detail FROM nurture_enrollment WHERE lead_id = ?`, [lead.id]);
    expect(enrolled).toEqual([{ sequenceKey: 'chat-intent', detail: expect.stringContaining('意向-询价') }]);
    const scored = await ds().getRepository(Lead).findOneByOrFail({ id: lead.id });
    expect(scored.scoreBreakdown).toEqual(
      expect.arrayContaining([
        { rule: 'behaviour.intent.price', points: 15, reason: '聊天中询问价格 / 优惠' },
        { rule: 'behaviour.customer_reply', points: 2, reason: '客户主动回复消息' },
      ]),
    );
    expect(scored.score).toBe(17);

    // The same message again (the archive pulled its batch twice, under another event key): nothing more.
    await publish(customerSays(lead, '你好，企业版多少钱？能再便宜点吗', { msgid: asked.payload.msgid, key: `${asked.key}:again` }));
    expect(await activities(lead.id)).toHaveLength(2);
    expect(await tags(lead.id)).toHaveLength(1);
    expect(await taggedEvents(lead.id)).toHaveLength(1);
    expect(await timeline(lead.id, 'chat.intent')).toHaveLength(1);
    expect((await ds().getRepository(Lead).findOneByOrFail({ id: lead.id })).score).toBe(17);

    // Another message asking about price again and for a demo: the tag it has is not announced again.
    await publish(customerSays(lead, '报价收到了，能安排个演示吗？'));
    expect(await activities(lead.id)).toEqual([
      ['customer_reply', null],
      ['intent_keyword', 'price'],
      ['customer_reply', null],
      ['intent_keyword', 'price'],
      ['intent_keyword', 'trial'],
    ]);
    expect(await taggedEvents(lead.id)).toEqual([
      { leadId: lead.id, tags: ['意向-询价'], source: 'chat' },
      { leadId: lead.id, tags: ['意向-试用'], source: 'chat' },
    ]);
    expect(await timeline(lead.id, 'chat.intent')).toEqual(['客户在聊天中提到「多少钱」（询价）', '客户在聊天中提到「报价」（询价）', '客户在聊天中提到「演示」（试用/方案）']);
    expect((await ds().getRepository(Lead).findOneByOrFail({ id: lead.id })).score).toBe(15 * 2 + 10 + 2 * 2);
  });

  it('any customer message counts as a reply: an image (no text), a group message, text no rule reads; on the lead it was merged into', async () => {
    const kept = await makeLead(ds(), { externalUserId: 'wm-kept', ownerUserId: 'rep-a', source: 'wecom' });
    const merged = await makeLead(ds(), { externalUserId: null, mergedIntoId: kept.id, source: 'wecom' });
    await publish(customerSays(kept, null));
    await publish(customerSays(kept, '好的，谢谢', { roomId: 'wr-group-1' }));
    await publish(customerSays(merged, '收到'));
    expect(await activities(kept.id)).toEqual([
      ['customer_reply', null],
      ['customer_reply', null],
      ['customer_reply', null],
    ]);
    expect(await activities(merged.id)).toEqual([]);
    expect(await tags(kept.id)).toEqual([]);
    expect((await ds().getRepository(Lead).findOneByOrFail({ id: kept.id })).score).toBe(6);
  });

  it("a rep's sensitive words alert the rep's manager once, masked, with the lead's timeline saying so", async () => {
    const lead = await makeLead(ds(), { name: '钱女士', externalUserId: 'wm-pay', ownerUserId: 'rep-a', source: 'wecom' });
    const said = repSays('rep-a', lead.id, '合同先不签了，你直接私下转账给我就行，有事打我电话 13812345678');
    const before = alerts().length;
    await publish(said);

    const sent = alerts().slice(before);
    expect(sent).toEqual([
      expect.objectContaining({
        touser: 'boss',
        text: { content: `【敏感词提醒】成员 张三 在与客户 #${lead.id} 钱女士 的聊天中提到「私下转账」（私下收款）、「138****5678」（留私人联系方式），请关注。` },
      }),
    ]);
    expect(await timeline(lead.id, 'chat.sensitive_word')).toEqual(['成员 张三 在聊天中提到「私下转账」（私下收款）、「138****5678」（留私人联系方式），已提醒主管 王经理']);
    expect(await timeline(lead.id, 'owner.notified')).toEqual(['已向主管 王经理 发送敏感词提醒']);
    const stored = JSON.stringify(await ds().query(`SELECT summary, data FROM timeline_entry WHERE lead_id = ?`, [lead.id]));
    expect(stored).not.toContain('13812345678');

    // Delivered again under another event key: no second alert, no second entry.
    await publish(repSays('rep-a', lead.id, said.payload.text, { msgid: said.payload.msgid, key: `${said.key}:again` }));
    expect(alerts().length).toBe(before + 1);
    expect(await timeline(lead.id, 'chat.sensitive_word')).toHaveLength(1);
    expect(await timeline(lead.id, 'owner.notified')).toHaveLength(1);
  });

  it('a message in a customer group alerts naming the group, with no lead to write on', async () => {
    await ds().getRepository(GroupChat).insert({ chatId: 'wr-vip', name: 'VIP 客户群', ownerUserId: 'rep-a', memberVersion: null, status: 'active', createdAt: Date.now(), updatedAt: Date.now() });
    const before = alerts().length;
    await publish(repSays('rep-a', null, '这个理财产品保本，稳赚不赔', { roomId: 'wr-vip' }));
    expect(alerts().slice(before)).toEqual([
      expect.objectContaining({ touser: 'boss', text: { content: '【敏感词提醒】成员 张三 在客户群「VIP 客户群」中提到「稳赚」（承诺收益/效果），请关注。' } }),
    ]);
    const dead = await ds().query(`SELECT COUNT(*) AS n FROM job WHERE status = 'dead'`);
    expect(Number(dead[0].n)).toBe(0);
  });

  it('a rep without a manager: no message, no failure, the lead timeline says nobody was told; an innocent message writes no job', async () => {
    const lead = await makeLead(ds(), { externalUserId: 'wm-alone', ownerUserId: 'rep-b', source: 'wecom' });
    const before = alerts().length;
    // rep-b's team is managed by north-boss… who is here made to manage nothing, to leave rep-b without a manager.
    await ds().query(`DELETE FROM member_managed_team WHERE user_id = 'north-boss'`);
    await publish(repSays('rep-b', lead.id, '加我私人微信聊，微信号：lisi_2024'));
    expect(alerts().length).toBe(before);
    expect(await timeline(lead.id, 'chat.sensitive_word')).toEqual(['成员 李四 在聊天中提到「加我私人微信」（留私人联系方式），该成员没有主管，未发送提醒']);
    const [job] = await ds().query(`SELECT status FROM job WHERE kind = 'event:member.message_sent' ORDER BY id DESC LIMIT 1`);
    expect(job.status).toBe('done');

    const jobsBefore = Number((await ds().query(`SELECT COUNT(*) AS n FROM job`))[0].n);
    await publish(repSays('rep-a', lead.id, '您好，资料已经发您邮箱了，请查收'));
    await publish(repSays('rep-a', lead.id, null));
    expect(Number((await ds().query(`SELECT COUNT(*) AS n FROM job`))[0].n)).toBe(jobsBefore);
  });
});

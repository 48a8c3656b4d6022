import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadFormsConfig } from '../src/capture/forms/forms-config';
import { FollowUp } from '../src/leads/follow-up.entity';
import { sendDueReminders } from '../src/leads/follow-ups/reminders';
import { Lead } from '../src/leads/lead.entity';
import { LeadAssignment } from '../src/leads/lead-assignment.entity';
import { LeadRelation } from '../src/leads/lead-relation.entity';
import { LeadTag } from '../src/leads/lead-tag.entity';
import { releaseOverdueLeads } from '../src/leads/pool/release';
import { TimelineEntry } from '../src/leads/timeline-entry.entity';
import { Harness, queuesSettled, startHarness } from './support/harness';
import { signInRep } from './support/factories';

const HOUR = 3600_000;
const MEMBERS = ['zhangsan', 'lisi', 'wangwu'];

/**
 * The admin lead list's filters, and the lifecycle gaps around ownership: reassigning to nobody
 * real, attribute names an import creates, return-and-reclaim, reminders of closed leads. Real
 * service and database, WeCom simulator over HTTP.
 */
describe('lead admin API and lifecycle rules', () => {
  let h: Harness;
  const logLines: string[] = [];
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    // Every log line the service writes, to check what a phone search leaves in them.
    const logger = pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) });
    h = await startHarness({ simulator: { members: MEMBERS.map((userid) => ({ userid })) }, runtime: { runScheduler: false, logger } });
  });
  afterAll(async () => h.close());

  const ds = () => h.runtime.ctx.dataSource;
  const leadById = (id: number) => ds().getRepository(Lead).findOneByOrFail({ id });
  const timeline = (leadId: number) => ds().getRepository(TimelineEntry).find({ where: { leadId }, order: { id: 'ASC' } });

  let seq = 0;
  async function seedLead(fields: Partial<Lead> & { tags?: string[]; remarks?: Record<string, string> } = {}): Promise<Lead> {
    const { tags = [], remarks = {}, ...rest } = fields;
    seq += 1;
    const now = Date.now();
    const repo = ds().getRepository(Lead);
    const lead = repo.create({
      externalUserId: null,
      name: `客户${seq}`,
      phone: null,
      ownerUserId: null,
      source: 'form',
      stage: 'new',
      score: 0,
      createdAt: now,
      updatedAt: now,
      lastInteractionAt: now,
      ...rest,
    });
    await repo.insert(lead);
    for (const name of tags) await ds().getRepository(LeadTag).insert({ leadId: lead.id, name, tagId: null, source: 'test', createdAt: now });
    for (const [userId, remark] of Object.entries(remarks)) {
      await ds().getRepository(LeadRelation).insert({ leadId: lead.id, userId, status: 'active', remark, addedAt: now });
    }
    return lead;
  }

  async function rep(userId: string, method: string, urlPath: string, body?: unknown) {
    if (!tokens[userId]) {
      tokens[userId] = await signInRep(h, userId);
    }
    const response = await fetch(`${h.url}/api/mp${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${tokens[userId]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  const list = (query: string) => h.admin('GET', `/api/admin/leads?${query}`);
  const ids = (r: { body: any }) => r.body.items.map((l: any) => l.id);

  describe('GET /api/admin/leads filters', () => {
    it('filters by stage and by pool membership', async () => {
      const won = await seedLead({ stage: 'won', ownerUserId: 'lisi' });
      const qualified = await seedLead({ stage: 'qualified', ownerUserId: 'lisi' });
      const pooled = await seedLead({ inPool: true, poolSince: Date.now() });

      const byStage = await list('stage=won&limit=200');
      expect(byStage.status).toBe(200);
      expect(ids(byStage)).toContain(won.id);
      expect(byStage.body.items.every((l: any) => l.stage === 'won')).toBe(true);

      const inPool = await list('inPool=true&limit=200');
      expect(ids(inPool)).toContain(pooled.id);
      expect(ids(inPool)).not.toContain(qualified.id);
      const outOfPool = await list('inPool=false&limit=200');
      expect(ids(outOfPool)).toEqual(expect.arrayContaining([won.id, qualified.id]));
      expect(ids(outOfPool)).not.toContain(pooled.id);
    });

    it('q matches a substring of the name or of a rep remark; wildcards in it are literal', async () => {
      const byName = await seedLead({ name: '杭州西湖茶业王经理' });
      const byRemark = await seedLead({ name: '李女士', remarks: { zhangsan: '西湖展会认识的' } });
      const other = await seedLead({ name: '北京客户', remarks: { lisi: '老客户' } });
      const percent = await seedLead({ name: '折扣100%客户' });

      const r = await list(`q=${encodeURIComponent('西湖')}`);
      expect(r.status).toBe(200);
      expect(ids(r)).toEqual(expect.arrayContaining([byRemark.id, byName.id]));
      expect(ids(r)).not.toContain(other.id);
      // "%" is a character to find, not "anything": only the lead that has one matches.
      expect(ids(await list(`q=${encodeURIComponent('%')}`))).toEqual([percent.id]);
      expect(ids(await list(`q=${encodeURIComponent('_')}`))).toEqual([]);
    });

    it('keeps cursor pagination working with filters combined', async () => {
      const tag = '分页筛选';
      const mine = [];
      for (let i = 0; i < 5; i++) mine.push(await seedLead({ stage: 'contacted', tags: [tag], name: `分页客户${'甲乙丙丁戊'[i]}` }));
      await seedLead({ stage: 'new', tags: [tag] });
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r: { status: number; body: any } = await list(`tag=${encodeURIComponent(tag)}&stage=contacted&q=${encodeURIComponent('分页客户')}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(r.status).toBe(200);
        seen.push(...ids(r));
        cursor = r.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(mine.map((l) => l.id).reverse());
    });

    it('rejects unknown parameters and bad values with 400 naming them', async () => {
      const unknown = await list('owner=zhangsan');
      expect(unknown.status).toBe(400);
      expect(unknown.body.message).toContain('owner');
      expect(unknown.body.fields.map((f: any) => f.path)).toEqual(['owner']);
      const two = await list('stage=won&foo=1&bar=2');
      expect(two.status).toBe(400);
      expect(two.body.fields.map((f: any) => f.path)).toEqual(['foo', 'bar']);

      for (const [query, field] of [
        ['stage=closed', 'stage'],
        ['inPool=yes', 'inPool'],
        ['phone=not-a-phone', 'phone'],
        [`q=${'x'.repeat(65)}`, 'q'],
      ]) {
        const r = await list(query);
        expect(r.status).toBe(400);
        expect(r.body.fields.map((f: any) => f.path)).toContain(field);
      }
    });

    it('phone matches the normalised number exactly, and each hit is logged like a reveal, without the number in the logs', async () => {
      const target = await seedLead({ phone: '13900139123', ownerUserId: 'lisi' });
      const near = await seedLead({ phone: '13900139124' });
      logLines.length = 0;

      // Typed the way people type it: the +86 prefix and separators are normalised away.
      const r = await list(`phone=${encodeURIComponent('+86 139-0013-9123')}`);
      expect(r.status).toBe(200);
      expect(ids(r)).toEqual([target.id]);
      expect(r.body.items[0].phone).toBe('139****9123');

      const entries = (await timeline(target.id)).filter((e) => e.kind === 'phone.searched');
      expect(entries).toHaveLength(1);
      expect(entries[0].data).toEqual({ actor: 'admin' });
      expect(entries[0].summary).toBe('管理员按完整手机号搜索到了该线索');
      expect(entries[0].occurredAt).toBeGreaterThan(Date.now() - 60_000);
      expect(JSON.stringify(entries[0])).not.toContain('13900139123');
      expect((await timeline(near.id)).some((e) => e.kind === 'phone.searched')).toBe(false);

      const searchLog = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'lead list searched by phone');
      expect(searchLog).toMatchObject({ actor: 'admin', leadIds: [target.id] });
      expect(logLines.join('\n')).not.toMatch(/139\D*0013\D*9123/);

      // No match: nothing to log on any lead.
      expect(ids(await list('phone=13700000000'))).toEqual([]);
    });
  });

  describe('reassign', () => {
    it('refuses a target that is neither an active team member nor a WeCom member who may hold customers', async () => {
      const lead = await seedLead({ ownerUserId: 'zhangsan', assignedAt: Date.now() });
      const ghost = await h.admin('POST', `/api/admin/leads/${lead.id}/reassign`, { toUserId: 'zhangsna', reason: '手误' });
      expect(ghost.status).toBe(400);
      expect(ghost.body).toMatchObject({ error: 'unknown_member', fields: [{ path: 'toUserId' }] });
      expect((await leadById(lead.id)).ownerUserId).toBe('zhangsan');
      expect(await ds().getRepository(LeadAssignment).countBy({ leadId: lead.id, kind: 'reassigned' })).toBe(0);

      // On WeCom's follow-user list, though in no team: accepted.
      const member = await h.admin('POST', `/api/admin/leads/${lead.id}/reassign`, { toUserId: 'wangwu', reason: '换区域' });
      expect(member.status).toBe(200);
      expect(member.body.ownerUserId).toBe('wangwu');

      // An active team member is known without asking WeCom.
      const team = await h.admin('POST', '/api/admin/teams', { name: '改派校验组', members: ['newhire'] });
      expect(team.status).toBe(201);
      const callsBefore = h.sim.callsTo('externalcontact/get_follow_user_list').length;
      const teamMember = await h.admin('POST', `/api/admin/leads/${lead.id}/reassign`, { toUserId: 'newhire', reason: '新人培养' });
      expect(teamMember.status).toBe(200);
      expect(h.sim.callsTo('externalcontact/get_follow_user_list').length).toBe(callsBefore);
      // Paused in their team and unknown to WeCom: not assignable.
      await h.admin('PATCH', `/api/admin/teams/${team.body.id}`, { members: [{ userId: 'newhire', active: false }] });
      expect((await h.admin('POST', `/api/admin/leads/${lead.id}/reassign`, { toUserId: 'lisi', reason: 'x' })).status).toBe(200);
      expect((await h.admin('POST', `/api/admin/leads/${lead.id}/reassign`, { toUserId: 'newhire', reason: 'x' })).status).toBe(400);
    });
  });

  describe('attribute names', () => {
    it('accepts the Chinese and spaced names an import creates; refuses control characters and absurd lengths', async () => {
      const lead = await seedLead({ attributes: { 意向等级: '中' } });
      const ok = await h.admin('PATCH', `/api/admin/leads/${lead.id}/attributes`, { 意向等级: '高', '来源活动 (2024)': '上海展会', industry: '教育培训' });
      expect(ok.status).toBe(200);
      expect(ok.body.attributes).toEqual({ 意向等级: '高', '来源活动 (2024)': '上海展会', industry: '教育培训' });
      expect((await leadById(lead.id)).attributes).toEqual(ok.body.attributes);
      // null removes one, by its Chinese name too.
      expect((await h.admin('PATCH', `/api/admin/leads/${lead.id}/attributes`, { 意向等级: null })).body.attributes).not.toHaveProperty('意向等级');

      // Control, format and separator characters (NUL, C1 controls, U+2028, zero-width) never get
      // this far: request bodies are cleaned of them on the way in. Line breaks and tabs survive it.
      const cleaned = await h.admin('PATCH', `/api/admin/leads/${lead.id}/attributes`, { '意向\u0085等级\u2028': '1' });
      expect(cleaned.status).toBe(200);
      expect(cleaned.body.attributes).toHaveProperty('意向等级', '1');
      for (const bad of ['意向\n等级', '意向\t等级', ' 意向', '意向 ', 'x'.repeat(65)]) {
        const r = await h.admin('PATCH', `/api/admin/leads/${lead.id}/attributes`, { [bad]: '1' });
        expect(r.status).toBe(400);
        expect(r.body.fields.map((f: any) => f.path)).toContain(bad);
      }
      expect((await h.admin('PATCH', `/api/admin/leads/${lead.id}/attributes`, { ['__proto__']: '1' })).status).toBe(400);
      expect((await h.admin('PATCH', `/api/admin/leads/${lead.id}/attributes`, { ['意'.repeat(64)]: '1' })).status).toBe(200);
    });

    it('a scoring rule may read an attribute with a Chinese name', async () => {
      const current = await h.admin('GET', '/api/admin/scoring/rules');
      const rules = current.body.rules;
      const put = await h.admin('PUT', '/api/admin/scoring/rules', {
        ...rules,
        attributes: [...rules.attributes, { id: 'attr.intent.high', field: '意向等级', values: ['高'], points: 10, reason: '意向等级高' }],
      });
      expect(put.status).toBe(200);
      expect((await h.admin('DELETE', '/api/admin/scoring/rules')).status).toBe(200);
    });
  });

  describe('reclaim after return or release', () => {
    it('defaults to a week, from config/pool.json, and can be changed like the other pool settings', async () => {
      expect((await h.admin('GET', '/api/admin/pool/settings')).body.reclaimCooldownHours).toBe(168);
      expect((await h.admin('PUT', '/api/admin/pool/settings', { reclaimCooldownHours: -1 })).status).toBe(400);
    });

    it('the rep who returned a lead cannot claim it straight back; others can', async () => {
      const lead = await seedLead({ ownerUserId: 'zhangsan', assignedAt: Date.now() - 20 * HOUR });
      expect((await rep('zhangsan', 'POST', `/leads/${lead.id}/return`, { reason: '暂时没空跟进' })).status).toBe(200);
      await queuesSettled(h);
      expect(await leadById(lead.id)).toMatchObject({ ownerUserId: null, inPool: true });

      const again = await rep('zhangsan', 'POST', `/leads/${lead.id}/claim`);
      expect(again.status).toBe(409);
      expect(again.body.error).toBe('reclaim_cooldown');
      expect(again.body.message).toContain('后才能重新认领');
      expect(again.body.cooldownHours).toBe(168);
      expect(Date.parse(again.body.availableAt)).toBeGreaterThan(Date.now() + 167 * HOUR);
      expect(await leadById(lead.id)).toMatchObject({ ownerUserId: null, inPool: true });

      const other = await rep('lisi', 'POST', `/leads/${lead.id}/claim`);
      expect(other.status).toBe(200);
      expect(other.body.lead.ownerUserId).toBe('lisi');
    });

    it('a lead released for want of follow-up is blocked for its former owner until the cooldown ends', async () => {
      const lead = await seedLead({ ownerUserId: 'wangwu', assignedAt: Date.now() - 25 * HOUR });
      const { released } = await releaseOverdueLeads(h.runtime.ctx);
      expect(released).toContain(lead.id);
      expect((await rep('wangwu', 'POST', `/leads/${lead.id}/claim`)).status).toBe(409);

      // The release a week and an hour ago: the wait is over.
      await ds().getRepository(LeadAssignment).update({ leadId: lead.id, kind: 'released' }, { createdAt: Date.now() - 169 * HOUR });
      const later = await rep('wangwu', 'POST', `/leads/${lead.id}/claim`);
      expect(later.status).toBe(200);
      expect(later.body.lead.ownerUserId).toBe('wangwu');
    });

    it('0 turns the wait off', async () => {
      const lead = await seedLead({ ownerUserId: 'zhangsan', assignedAt: Date.now() });
      expect((await rep('zhangsan', 'POST', `/leads/${lead.id}/return`, { reason: '测试' })).status).toBe(200);
      await queuesSettled(h);
      expect((await h.admin('PUT', '/api/admin/pool/settings', { reclaimCooldownHours: 0 })).body.reclaimCooldownHours).toBe(0);
      try {
        expect((await rep('zhangsan', 'POST', `/leads/${lead.id}/claim`)).status).toBe(200);
      } finally {
        await h.admin('PUT', '/api/admin/pool/settings', { reclaimCooldownHours: 168 });
      }
    });
  });

  describe('reminders of closed leads', () => {
    const reminderMessages = (followUpId: number) =>
      h.sim.state.appMessages.items.filter((m) => JSON.stringify(m.content).includes(`跟进记录 ${followUpId}）`));

    async function withPendingReminders(stage: 'opportunity' | 'qualified') {
      const lead = await seedLead({ ownerUserId: 'lisi', stage, assignedAt: Date.now() });
      const made = [];
      for (const hours of [1, 48]) {
        const r = await rep('lisi', 'POST', `/leads/${lead.id}/follow-ups`, { kind: 'call', nextStepAt: Date.now() + hours * HOUR, nextStepNote: '回访' });
        expect(r.status).toBe(201);
        made.push(r.body.followUp.id as number);
      }
      return { lead, followUpIds: made };
    }
    const statuses = async (followUpIds: number[]) =>
      Promise.all(followUpIds.map(async (id) => (await ds().getRepository(FollowUp).findOneByOrFail({ id })).reminderStatus));

    it('winning a lead cancels its pending reminders with the stage change; none is ever sent', async () => {
      const { lead, followUpIds } = await withPendingReminders('opportunity');
      expect(await statuses(followUpIds)).toEqual(['pending', 'pending']);

      const won = await h.admin('POST', `/api/admin/leads/${lead.id}/stage`, { stage: 'won' });
      expect(won.status).toBe(200);
      expect(await statuses(followUpIds)).toEqual(['cancelled', 'cancelled']);
      const note = (await timeline(lead.id)).find((e) => e.kind === 'follow_up.reminders_cancelled');
      expect(note!.summary).toBe('线索已成交，取消了 2 条未到期的跟进提醒');

      await sendDueReminders(h.runtime.ctx, Date.now() + 72 * HOUR);
      await queuesSettled(h);
      for (const id of followUpIds) expect(reminderMessages(id)).toHaveLength(0);
      const listed = await h.admin('GET', `/api/admin/leads/${lead.id}/follow-ups`);
      expect(listed.body.items.map((f: any) => f.reminderStatus)).toEqual(['cancelled', 'cancelled']);
    });

    it('losing a lead cancels pending reminders; one already sent stays sent', async () => {
      const { lead, followUpIds } = await withPendingReminders('qualified');
      // The first one comes due and is sent before the lead is lost.
      await sendDueReminders(h.runtime.ctx, Date.now() + 2 * HOUR);
      expect(await statuses(followUpIds)).toEqual(['sent', 'pending']);

      expect((await rep('lisi', 'POST', `/leads/${lead.id}/stage`, { stage: 'lost', reason: '预算取消' })).status).toBe(200);
      expect(await statuses(followUpIds)).toEqual(['sent', 'cancelled']);
      await sendDueReminders(h.runtime.ctx, Date.now() + 72 * HOUR);
      await queuesSettled(h);
      expect(reminderMessages(followUpIds[1])).toHaveLength(0);
    });

    it('a stage change that does not close the lead leaves reminders pending', async () => {
      const { lead, followUpIds } = await withPendingReminders('qualified');
      expect((await h.admin('POST', `/api/admin/leads/${lead.id}/stage`, { stage: 'opportunity' })).status).toBe(200);
      expect(await statuses(followUpIds)).toEqual(['pending', 'pending']);
    });

    it('a closed lead takes notes but no new next step (it would bring a reminder back)', async () => {
      const lead = await seedLead({ stage: 'won', ownerUserId: 'zhangsan' });
      const withNextStep = await rep('zhangsan', 'POST', `/leads/${lead.id}/follow-ups`, { kind: 'call', content: '回访', nextStepAt: Date.now() + HOUR });
      expect(withNextStep.status).toBe(409);
      expect(withNextStep.body.error).toBe('lead_closed');
      expect(await ds().getRepository(FollowUp).countBy({ leadId: lead.id })).toBe(0);
      const note = await rep('zhangsan', 'POST', `/leads/${lead.id}/follow-ups`, { kind: 'note', content: '客户转介绍了朋友' });
      expect(note.status).toBe(201);
    });
  });
});

/** XIANSUO_CONFIG_DIR moves every config file, scoring and forms included. */
describe('config directory', () => {
  let dir: string;
  let h: Harness;
  const previous = process.env.XIANSUO_CONFIG_DIR;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-config-'));
    const scoring = JSON.parse(fs.readFileSync(path.join(__dirname, '../../config/scoring.json'), 'utf8'));
    scoring.attributes = [{ id: 'attr.tempdir.marker', field: 'marker', values: ['yes'], points: 7, reason: '来自临时配置目录' }];
    fs.writeFileSync(path.join(dir, 'scoring.json'), JSON.stringify(scoring));
    fs.writeFileSync(path.join(dir, 'forms.json'), JSON.stringify({ maxFieldLength: 123 }));
    fs.writeFileSync(path.join(dir, 'pool.json'), JSON.stringify({ followUpHours: 5 }));
    process.env.XIANSUO_CONFIG_DIR = dir;
    h = await startHarness({ runtime: { runScheduler: false } });
  });
  afterAll(async () => {
    await h.close();
    if (previous === undefined) delete process.env.XIANSUO_CONFIG_DIR;
    else process.env.XIANSUO_CONFIG_DIR = previous;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('scoring rules come from the directory', async () => {
    const r = await h.admin('GET', '/api/admin/scoring/rules');
    expect(r.status).toBe(200);
    expect(r.body.source).toBe('default');
    expect(r.body.rules.attributes.map((a: any) => a.id)).toEqual(['attr.tempdir.marker']);
  });

  it('forms and pool settings come from the directory', async () => {
    expect(loadFormsConfig().maxFieldLength).toBe(123);
    expect((await h.admin('GET', '/api/admin/pool/settings')).body.followUpHours).toBe(5);
  });
});

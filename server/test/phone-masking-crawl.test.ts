import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importLeads } from '../src/capture/import/import-leads';
import { Lead } from '../src/leads/lead.entity';
import { Harness, queuesSettled, startHarness } from './support/harness';
import { signInRep } from './support/factories';
import { rawRequest, routeTable } from './support/route-table';

/**
 * PIPL: no mobile number leaves unmasked, whichever free-text field it was typed into. Numbers
 * are planted through every capture and edit path in every spelling; then every GET route the
 * routers expose is called as admin and as rep, and no reply may carry one of them.
 */
describe('phone masking crawl: every GET route, as admin and as rep', () => {
  let h: Harness;
  let dir: string;
  let repToken = '';
  const planted: string[] = [];
  /** A fresh number in the spelling `style` picks; remembered as its 11 plain digits. */
  const plant = (style: 'plain' | 'spaced' | 'dashed' | 'plus86' | 'fullwidth' | 'number' | 'then-digit' | 'trunk' | 'dotted' | 'bracketed' = 'plain') => {
    const digits = `139${String(planted.length + 1).padStart(8, '0')}`;
    planted.push(digits);
    const [a, b, c] = [digits.slice(0, 3), digits.slice(3, 7), digits.slice(7)];
    switch (style) {
      case 'spaced':
        return `${a} ${b} ${c}`;
      case 'dashed':
        return `${a}-${b}-${c}`;
      case 'plus86':
        return `+86 ${a} ${b} ${c}`;
      case 'fullwidth':
        return digits.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
      case 'then-digit':
        return `${digits} 2`;
      case 'trunk':
        return `0${digits}`;
      case 'dotted':
        return `${a}.${b}.${c}`;
      case 'bracketed':
        return `(${a})${b}-${c}`;
      default:
        return digits;
    }
  };

  beforeAll(async () => {
    // Hundreds of requests on one member session: above the per-session limit of a real one.
    h = await startHarness({ simulator: { members: [{ userid: 'zhangsan' }, { userid: 'lisi' }] }, config: { mpRateLimitPerMinute: 100_000 } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-crawl-'));
    const ok = (r: { status: number; body: any }, what: string) => {
      if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };

    // Channel and team names, welcome text, tags.
    const channel = ok(
      await h.admin('POST', '/api/admin/channels', { name: `展会${plant()}`, userIds: ['zhangsan'], tags: [`电话${plant()}`.slice(0, 30)], welcomeText: `回电 ${plant('spaced')}` }),
      'channel',
    );
    ok(await h.admin('POST', '/api/admin/teams', { name: `团队${plant('then-digit')}`, members: ['zhangsan', 'lisi'] }), 'team');

    // A WeCom add whose name, company and remark hold numbers.
    await h.driver.customerAddsRep({
      userId: 'zhangsan',
      state: channel.state,
      customer: { name: `王先生${plant()}`, corp_name: `电话${plant('dashed')}` } as never,
      remark: `客户手机${plant('plus86')}`,
    });
    await queuesSettled(h);

    // An import whose name, company, note and custom attributes hold numbers.
    const file = path.join(dir, 'crawl.csv');
    fs.writeFileSync(
      file,
      ['姓名,手机号,公司,备注,mobile_backup,紧急联系人', `赵${plant()},${plant()},公司 ${plant('plus86')},备注 ${plant('fullwidth')},${plant()},0086-${plant('dashed')}`].join('\n'),
    );
    await importLeads(h.runtime.ctx.dataSource, file, { sourceName: 'crawl' });

    const leads = await h.runtime.ctx.dataSource.getRepository(Lead).find({ order: { id: 'ASC' } });
    expect(leads.length).toBeGreaterThanOrEqual(2);
    const wecomLead = leads.find((l) => l.ownerUserId === 'zhangsan')!;
    const importedLead = leads.find((l) => l.source !== wecomLead.source)!;

    // Admin edits: attributes (a number value too) and a behaviour event with data.
    ok(await h.admin('PATCH', `/api/admin/leads/${wecomLead.id}/attributes`, { mobile_backup: Number(plant()), contact_note: `请回电 ${plant()}` }), 'attributes');
    ok(await h.admin('POST', `/api/admin/leads/${wecomLead.id}/events`, { kind: 'page_view', value: `电话${plant()}`, data: { note: plant('spaced') } }), 'event');

    // The rep logs a follow-up with numbers in its text.
    repToken = await signInRep(h, 'zhangsan');
    const followUp = await fetch(`${h.url}/api/mp/leads/${wecomLead.id}/follow-ups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${repToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'call',
        content: `请回电 ${plant()} 或 ${plant('trunk')}，备用 ${plant('dotted')} ${plant('bracketed')}`,
        nextStepAt: Date.now() + 3600_000,
        nextStepNote: `打 ${plant('dashed')}`,
      }),
    });
    expect(followUp.status).toBe(201);
    void importedLead;
  });
  afterAll(async () => {
    await h.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The reply as digits only (full-width folded), so any spelling of a planted number shows. */
  const digitsOf = (text: string) => text.replace(/[\uFF10-\uFF19]/g, (d) => String(d.charCodeAt(0) - 0xff10)).replace(/[^0-9*]/g, '');

  it('finds no planted number in any reply, and did see the planted records (masked)', async () => {
    const ds = h.runtime.ctx.dataSource;
    const ids = new Set<number>([1, 2]);
    for (const lead of await ds.getRepository(Lead).find()) ids.add(lead.id);
    const leaks: string[] = [];
    let masked = 0;
    let calls = 0;
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    for (const route of routeTable(h.runtime.ctx).filter((r) => r.method === 'GET')) {
      const token = route.pattern.startsWith('/api/mp/') ? repToken : h.config.adminToken;
      const paths = route.pattern.includes(':') ? [...ids].map((id) => route.pattern.replace(/:[A-Za-z]+/g, String(id))) : [route.pattern];
      for (const p of paths) {
        for (const query of ['', `?from=${from}&to=${to}`, '?limit=200']) {
          const reply = await rawRequest(h.url, 'GET', `${p}${query}`, { authorization: `Bearer ${token}` });
          calls++;
          expect(reply.status).toBeLessThan(500);
          const digits = digitsOf(reply.body);
          for (const number of planted) {
            if (digits.includes(number)) leaks.push(`${p}${query}: ${number}`);
            if (digits.includes(`${number.slice(0, 3)}****${number.slice(-4)}`)) masked++;
          }
        }
      }
    }
    expect(leaks).toEqual([]);
    expect(calls).toBeGreaterThan(50);
    // The crawl really read the planted records: many of them came back, masked.
    expect(masked).toBeGreaterThan(planted.length);
  });

  it('the logged reveal is the one way to read them in full', async () => {
    const lead = (await h.runtime.ctx.dataSource.getRepository(Lead).findOneByOrFail({ ownerUserId: 'zhangsan' }))!;
    const r = await h.admin('POST', `/api/admin/leads/${lead.id}/phone/reveal`, { purpose: '核实客户资料' });
    expect(r.status).toBe(200);
    expect(r.body.name).toMatch(/^王先生139\d{8}$/);
  });
});

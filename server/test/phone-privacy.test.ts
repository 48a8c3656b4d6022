import { Lead } from '../src/leads/lead.entity';
import { Harness, queuesSettled, startHarness } from './support/harness';
import { signInRep } from './support/factories';

/** PIPL: phone numbers are masked everywhere; a full number is shown only to a permitted caller, and logged. */
describe('phone masking and logged reveals', () => {
  let h: Harness;
  let leadId: number;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness({ simulator: { members: [{ userid: 'zhangsan' }, { userid: 'lisi' }] } });
    const r = await fetch(`${h.url}/api/public/forms/expo/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
      body: JSON.stringify({ name: '隐私客户', phone: '13812345678' }),
    });
    expect(r.status).toBe(201);
    await queuesSettled(h);
    const lead = await h.runtime.ctx.dataSource.getRepository(Lead).findOneByOrFail({ phone: '13812345678' });
    leadId = lead.id;
    await h.runtime.ctx.dataSource.getRepository(Lead).update({ id: leadId }, { ownerUserId: 'zhangsan', inPool: false });
    for (const user of ['zhangsan', 'lisi']) {
      tokens[user] = await signInRep(h, user);
    }
  });
  afterAll(async () => h.close());

  const rep = (user: string, method: string, path: string, body?: unknown) =>
    fetch(`${h.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[user]}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });

  it('lists and details show only the masked number', async () => {
    const list = await h.admin('GET', '/api/admin/leads?limit=200');
    const item = list.body.items.find((l: any) => l.id === leadId);
    expect(item.phone).toBe('138****5678');
    const detail = await h.admin('GET', `/api/admin/leads/${leadId}`);
    expect(JSON.stringify(detail.body)).not.toContain('13812345678');
    const mine = await (await rep('zhangsan', 'GET', `/api/mp/leads/${leadId}`)).json();
    expect(JSON.stringify(mine)).not.toContain('13812345678');
  });

  it('the owner can reveal it with a purpose; the reveal is on the timeline', async () => {
    expect((await rep('zhangsan', 'POST', `/api/mp/leads/${leadId}/phone/reveal`, {})).status).toBe(400);
    const r = await rep('zhangsan', 'POST', `/api/mp/leads/${leadId}/phone/reveal`, { purpose: '电话回访' });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ leadId, phone: '13812345678', name: '隐私客户' });
    const detail = await h.admin('GET', `/api/admin/leads/${leadId}`);
    const reveals = detail.body.timeline.filter((e: any) => e.kind === 'phone.revealed');
    expect(reveals).toHaveLength(1);
    expect(reveals[0].summary).toContain('zhangsan');
    expect(reveals[0].summary).toContain('电话回访');
  });

  it("another rep cannot reveal (404, nothing logged); an admin reveal is logged too", async () => {
    expect((await rep('lisi', 'POST', `/api/mp/leads/${leadId}/phone/reveal`, { purpose: '好奇' })).status).toBe(404);
    const admin = await h.admin('POST', `/api/admin/leads/${leadId}/phone/reveal`, { purpose: '客户投诉核实' });
    expect(admin.status).toBe(200);
    const detail = await h.admin('GET', `/api/admin/leads/${leadId}`);
    expect(detail.body.timeline.filter((e: any) => e.kind === 'phone.revealed').map((e: any) => e.data.actor)).toEqual(['zhangsan', 'admin']);
  });
});

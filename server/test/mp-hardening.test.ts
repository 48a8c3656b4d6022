import type { DataSource } from 'typeorm';
import { surfaceOf } from '../src/auth/surfaces';
import { Lead } from '../src/leads/lead.entity';
import { LeadRelation } from '../src/leads/lead-relation.entity';
import { putInPool } from '../src/leads/pool/put-in-pool';
import { Harness, startHarness } from './support/harness';
import { mpCall } from './support/mp-client';
import { makeLead, makeMember, makeTeam, signIn } from './support/factories';

/**
 * Holes an attacker's review of /api/mp found, closed: a search reading masked phone numbers
 * digit by digit, another rep's remarks searchable, tag edits making WeCom calls for callers
 * who may not edit, the chat toolbar telling which ids are leads, and path spellings the gate
 * read as public while a router served them.
 */
let h: Harness;
let ds: DataSource;
const tokens: Record<string, string> = {};
let poolLead: Lead;

const call = (who: string, method: string, path: string, body?: unknown) => mpCall(h, tokens[who], method, path, body);

beforeAll(async () => {
  h = await startHarness({ runtime: { runScheduler: false } });
  ds = h.runtime.ctx.dataSource;
  const team = await makeTeam(h, { name: '加固组', members: ['hard-a', 'hard-b'] });
  for (const userId of ['hard-a', 'hard-b']) await makeMember(h, userId, { roles: ['rep'] });
  await makeMember(h, 'hard-clerk', { roles: ['store_staff'] });
  for (const who of ['hard-a', 'hard-b', 'hard-clerk']) tokens[who] = (await signIn(h, who)).accessToken;
  // A pool lead both reps see, whose phone sits in its name and in rep A's old WeCom remark.
  const lead = await makeLead(ds, { ownerUserId: null, name: '王先生13987654321' });
  await ds.transaction((m) => putInPool(m, { lead, teamId: team.id, reason: '测试进入公海', dedupKey: `hard-pool:${lead.id}` }));
  await ds.getRepository(LeadRelation).insert({ leadId: lead.id, userId: 'hard-a', status: 'lost', state: null, channelId: null, addWay: null, remark: '客户 15811112222 私人备注', lostReason: null, addedAt: Date.now(), lostAt: Date.now() });
  poolLead = await ds.getRepository(Lead).findOneByOrFail({ id: lead.id });
});
afterAll(async () => h?.close());

describe('searching the lead list', () => {
  it('refuses three or more digits: a masked phone number cannot be read back digit by digit', async () => {
    const probe = await call('hard-b', 'GET', `/leads?scope=pool&q=${encodeURIComponent('1398')}`);
    expect(probe.status).toBe(400);
    expect(JSON.stringify(probe.body)).toContain('最多包含 2 个数字');
    // Superscript and subscript digits are digits too: the database's collation matches ¹ to 1 (issue 13).
    for (const q of ['¹³⁹⁸', '₁₃₉', '¹3⁹']) {
      const spelt = await call('hard-b', 'GET', `/leads?scope=pool&q=${encodeURIComponent(q)}`);
      expect({ q, status: spelt.status }).toEqual({ q, status: 400 });
      expect(JSON.stringify(spelt.body)).toContain('最多包含 2 个数字');
    }
    const allowed = await call('hard-b', 'GET', `/leads?scope=pool&q=${encodeURIComponent('王先生')}`);
    expect(allowed.status).toBe(200);
    expect(allowed.body.items.map((l: { id: number }) => l.id)).toContain(poolLead.id);
    expect(JSON.stringify(allowed.body)).not.toContain('13987654321');
  });

  it("matches only the searcher's own WeCom remarks", async () => {
    const others = await call('hard-b', 'GET', `/leads?scope=pool&q=${encodeURIComponent('私人备注')}`);
    expect(others.status).toBe(200);
    expect(others.body.items).toEqual([]);
    const own = await call('hard-a', 'GET', `/leads?scope=pool&q=${encodeURIComponent('私人备注')}`);
    expect(own.body.items.map((l: { id: number }) => l.id)).toEqual([poolLead.id]);
  });
});

describe('editing tags', () => {
  it('asks the policy before anything else: a caller who may not edit makes no WeCom call', async () => {
    const before = h.sim.callsTo('externalcontact/get_corp_tag_list').length;
    for (let i = 0; i < 3; i++) {
      const r = await call('hard-clerk', 'PUT', `/leads/${poolLead.id}/tags`, { tags: [`不存在的标签${i}`] });
      expect(r.status).toBe(404);
    }
    expect(h.sim.callsTo('externalcontact/get_corp_tag_list').length).toBe(before);
  });

  it('re-reads WeCom for unknown tag names at most once a minute per process', async () => {
    const mine = await makeLead(ds, { ownerUserId: 'hard-a', name: '标签客户' });
    const before = h.sim.callsTo('externalcontact/get_corp_tag_list').length;
    for (let i = 0; i < 3; i++) {
      const r = await call('hard-a', 'PUT', `/leads/${mine.id}/tags`, { tags: [`没有的标签${i}`] });
      expect(r.status).toBe(400);
    }
    expect(h.sim.callsTo('externalcontact/get_corp_tag_list').length - before).toBeLessThanOrEqual(1);
  });
});

describe('the chat toolbar', () => {
  it('answers the same for a lead out of reach and for an id that is nobody', async () => {
    const theirs = await makeLead(ds, { ownerUserId: 'someone-else', externalUserId: 'wmHardTheirs0001' });
    const other = await call('hard-b', 'GET', `/contacts/${theirs.externalUserId}/lead`);
    const nobody = await call('hard-b', 'GET', '/contacts/wmHardNobody00001/lead');
    expect([other.status, nobody.status]).toEqual([404, 404]);
    expect(other.body).toEqual(nobody.body);
  });
});

describe('the gate', () => {
  it('demands a member session for any path some reader places under /api/mp', async () => {
    expect(surfaceOf('/api/mp/leads/..%2F..%2F..%2Fhealthz')).toBe('mp');
    expect(surfaceOf('/api/admin/leads/..%2F..%2F..%2Fx')).toBe('admin');
    expect(surfaceOf('/healthz')).toBe('public');
    const r = await fetch(`${h.url}/api/mp/leads/..%2F..%2F..%2Fhealthz`);
    expect(r.status).toBe(401);
  });
});

import { Lead } from '../src/leads/lead.entity';
import { Harness, queuesSettled, startHarness } from './support/harness';
import { signInRep } from './support/factories';
import { rawRequest, routeTable } from './support/route-table';

/**
 * Bad input gets a clear 4xx: random JSON shapes (deep nesting, huge arrays, wrong types,
 * extreme numbers and dates, control characters) are posted to every JSON route the routers
 * expose, as the caller each route expects. None may answer 5xx.
 */

/** A small deterministic PRNG (mulberry32), so a failure reproduces with the same seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deep JSON as text: JSON.stringify itself would overflow the stack on the deepest ones. */
const deepJson = (depth: number) => '{"a":['.repeat(depth) + '1' + ']}'.repeat(depth);

const nest = (depth: number, leaf: unknown = 1): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

/** Field names the JSON routes read (and some they do not). */
const FIELDS = [
  'name', 'userIds', 'tags', 'welcomeText', 'welcomeMiniprogram', 'kind', 'value', 'occurredAt', 'data', 'eventId',
  'content', 'outcome', 'nextStepAt', 'nextStepNote', 'stage', 'reason', 'purpose', 'code', 'userId', 'toUserId',
  'teamId', 'members', 'maxActiveLeads', 'followUpHours', 'dailyClaimLimit', 'conditions', 'field', 'op', 'priority',
  'enabled', 'industry', 'companySize', 'region', 'budget', 'productLine', 'mobile_backup', 'defaultTeamId', 'rules',
  'attributes', 'behaviours', 'thresholds', 'decay', 'intoLeadId', 'fromLeadId', 'duplicateLeadId', 'phone', 'email',
  'message', 'company', 'from', 'to', 'channelId', 'perChannel', 'maxHeldLeads', 'followUpDeadlineHours', '__proto__',
];

const VALUES: unknown[] = [
  '', 'x', 'a'.repeat(5000), '\u0000', 'ab\u202Ecd', '王先生', '2026-01-01', '2026-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '-000001-01-01T00:00:00Z', '2026-13-45T99:99:99Z',
  'NaN', 'Infinity', 'call', 'won', 'lost', 'contacted', 'zhangsan', '13987654321', '1',
  0, -1, 1, 1.5, 1e308, -1e308, 8.64e15, 8.64e15 + 1, 1e21, 2 ** 53 + 1, -0, 4294967296,
  true, false, null,
  [], [null], [1, 'a', {}], new Array(1000).fill(1), ['zhangsan'], [{ userId: 'zhangsan' }],
  {}, { a: { b: { c: 1 } } }, { zhangsan: 1 }, nest(40), nest(200),
];

const BASES: Array<Record<string, unknown>> = [
  { kind: 'call', content: '回访' },
  { kind: 'page_view' },
  { name: '渠道', userIds: ['zhangsan'] },
  { name: '组', members: ['zhangsan'] },
  { stage: 'contacted' },
  { stage: 'lost', reason: '预算不足' },
  { purpose: '核实客户资料' },
  { userId: 'lisi' },
  { industry: '教育' },
];

describe('fuzz: random JSON to every JSON route never answers 5xx', () => {
  let h: Harness;
  let repToken = '';
  let leadId = 0;
  beforeAll(async () => {
    // Hundreds of requests on one member session: above the per-session limit of a real one.
    h = await startHarness({ simulator: { members: [{ userid: 'zhangsan' }, { userid: 'lisi' }] }, config: { mpRateLimitPerMinute: 100_000 } });
    const channel = await h.admin('POST', '/api/admin/channels', { name: '展会', userIds: ['zhangsan'], tags: ['展会'], welcomeText: '您好' });
    await h.admin('POST', '/api/admin/teams', { name: '一组', members: ['zhangsan', 'lisi'] });
    await h.driver.customerAddsRep({ userId: 'zhangsan', state: channel.body.state, customer: { name: '客户甲' } as never });
    await queuesSettled(h);
    leadId = (await h.runtime.ctx.dataSource.getRepository(Lead).findOneByOrFail({ ownerUserId: 'zhangsan' })).id;
    repToken = await signInRep(h, 'zhangsan');
  });
  afterAll(async () => h.close());

  it('the cases found by hand: deep event data, and a follow-up date outside the calendar', async () => {
    const deep = await rawRequest(h.url, 'POST', `/api/admin/leads/${leadId}/events`, { authorization: `Bearer ${h.config.adminToken}` }, `{"kind":"page_view","data":${deepJson(20_000)}}`);
    expect(deep.status).toBe(400);
    for (const nextStepAt of [8.64e15 + 1, 1e20, '+275760-09-13T00:00:00.000Z', '9999-12-31T23:59:59Z']) {
      const r = await fetch(`${h.url}/api/mp/leads/${leadId}/follow-ups`, {
        method: 'POST',
        headers: { authorization: `Bearer ${repToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'call', content: '回访', nextStepAt }),
      });
      expect({ nextStepAt, status: r.status }).toEqual({ nextStepAt, status: 400 });
    }
  });

  it('deep nesting, huge arrays, wrong types, extreme numbers and dates: 4xx, never 5xx', async () => {
    const routes = routeTable(h.runtime.ctx).filter(
      (r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && r.pattern !== '/wecom/callback',
    );
    expect(routes.length).toBeGreaterThan(20);
    const random = prng(20261201);
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
    const failures: string[] = [];

    for (const route of routes) {
      // A fuzzed return or reassign may have moved the lead: give it back to the rep each time.
      await h.runtime.ctx.dataSource.getRepository(Lead).update({ id: leadId }, { ownerUserId: 'zhangsan', inPool: false, stage: 'new' });
      const auth: Record<string, string> = route.pattern.startsWith('/api/mp/')
        ? { authorization: `Bearer ${repToken}` }
        : route.pattern.startsWith('/api/admin/')
          ? { authorization: `Bearer ${h.config.adminToken}` }
          : { 'x-forwarded-for': '198.51.100.7' };
      const bodies: string[] = [
        '[['.repeat(20_000) + ']]'.repeat(20_000),
        '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000),
        `{"kind":"page_view","data":${deepJson(5000)},"name":${deepJson(3000)},"content":${deepJson(3000)}}`,
        JSON.stringify({ userIds: new Array(20_000).fill('zhangsan'), members: new Array(5000).fill('lisi') }),
        '"just a string"', '12345', 'null', 'true', '[]', '{"a":1', '\u0000', '{"name":"\u0000\u202E"}',
      ];
      for (let i = 0; i < 80; i++) {
        // Half the bodies start from a shape some route accepts, so the fuzz reaches past validation.
        const body: Record<string, unknown> = i % 2 ? { ...pick(BASES) } : {};
        const count = 1 + Math.floor(random() * 5);
        for (let k = 0; k < count; k++) body[pick(FIELDS)] = pick(VALUES);
        bodies.push(JSON.stringify(body));
      }
      for (const body of bodies) {
        // The rep's own lead, so the body gets past "not found" to the code that uses it.
        const path = route.pattern.replace(/:[A-Za-z]+/g, String(leadId));
        const reply = await rawRequest(h.url, route.method, path, { ...auth, 'content-type': 'application/json' }, body);
        if (reply.status >= 500) failures.push(`${route.method} ${path} ${reply.status} <- ${body.slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
    // About 2,700 requests: ten seconds on a quiet machine, more on a busy CI box.
  }, 180_000);

  it('control and bidi characters are stripped before anything is stored', async () => {
    const r = await h.admin('POST', '/api/admin/teams', { name: '二\u0000组\u202E\u200B\u0085\u061C\u009B\u2028\u00AD\u3164', members: ['lisi'] });
    expect(r.status).toBe(201);
    expect(r.body.name).toBe('二组');
  });
});

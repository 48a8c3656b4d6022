import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FormRateLimit } from '../src/capture/forms/form-rate-limit.entity';
import { FormSubmission } from '../src/capture/form-submission.entity';
import { parseFormsConfig } from '../src/capture/forms/forms-config';
import { rateLimitSubject } from '../src/capture/forms/ip-hash';
import { loadConfig } from '../src/config';
import { InboxEvent } from '../src/inbox/inbox-event.entity';
import { Job } from '../src/jobs/job.entity';
import { silentLogger } from '../src/logger';
import { Lead } from '../src/leads/lead.entity';
import { LeadTag } from '../src/leads/lead-tag.entity';
import { startRuntime, Runtime } from '../src/runtime';
import { eventually, Harness, queuesSettled, startHarness } from './support/harness';

/**
 * Intake hardening (issue "Trust"): only configured web forms, one budget per client address
 * across all forms and instances; over-long WeCom ids refused at the callback; demo mode not
 * reachable from the network; instance ids that always fit the lease columns.
 */

const PER_IP = 5;
const PER_FORM = 3;
/** Twelve configured forms: more than the per-address budget, so cycling them must hit it. */
const FORM_KEYS = Array.from({ length: 12 }, (_, i) => `f${String(i + 1).padStart(2, '0')}`);

describe('forms config', () => {
  it('lists no forms by default, so every key is refused until forms are configured', () => {
    expect(parseFormsConfig({}).forms).toEqual({});
  });

  it('refuses form keys that are not URL-safe, and the old rate-limit shape, naming the problem', () => {
    expect(() => parseFormsConfig({ forms: { 'Bad Key': { name: 'x' } } })).toThrow(/forms\.Bad Key: form key must be/);
    expect(() => parseFormsConfig({ forms: { ok: {} } })).toThrow(/forms\.ok\.name/);
    expect(() => parseFormsConfig({ rateLimit: { maxPerWindow: 10, windowSeconds: 60 } })).toThrow(/rateLimit/);
  });

  it('the shipped config/forms.json is valid and lists forms', () => {
    const shipped = parseFormsConfig(JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'config', 'forms.json'), 'utf8')));
    expect(Object.keys(shipped.forms).length).toBeGreaterThan(0);
  });

  it('rate limits count IPv4 addresses as they are and IPv6 addresses by their /64', () => {
    expect(rateLimitSubject('203.0.113.9')).toBe('203.0.113.9');
    expect(rateLimitSubject('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(rateLimitSubject('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(rateLimitSubject('2001:0DB8:0001:0002::9')).toBe('2001:db8:1:2::/64');
    expect(rateLimitSubject('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(rateLimitSubject('::1')).toBe('0:0:0:0::/64');
    expect(rateLimitSubject('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});

describe('web forms: configured keys, one budget per address', () => {
  let h: Harness;
  let second: Runtime | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-forms-'));
  const saved = process.env.FORMS_CONFIG;

  beforeAll(async () => {
    const file = path.join(tmp, 'forms.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        forms: {
          ...Object.fromEntries(FORM_KEYS.map((key) => [key, { name: `表单 ${key}` }])),
          tagged: { name: '带标签的表单', source: '官网试用', tags: ['官网', '试用'] },
        },
        rateLimit: { perIp: { points: PER_IP, windowSeconds: 600 }, perIpAndForm: { points: PER_FORM, windowSeconds: 600 } },
      }),
    );
    process.env.FORMS_CONFIG = file;
    h = await startHarness();
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.FORMS_CONFIG;
    else process.env.FORMS_CONFIG = saved;
    await second?.stop();
    await h?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const ds = () => h.runtime.ctx.dataSource;
  let phoneSeq = 0;
  const nextPhone = () => `1370000${String(++phoneSeq).padStart(4, '0')}`;

  async function submit(formKey: string, ip: string, body: Record<string, unknown> = { phone: nextPhone() }, base = h.url) {
    const r = await fetch(`${base}/api/public/forms/${formKey}/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify(body),
    });
    return { status: r.status, retryAfter: r.headers.get('retry-after'), body: (await r.json()) as any };
  }

  it('an unknown form key is 404 and stores nothing, not even a rate-limit count', async () => {
    const before = { leads: await ds().getRepository(Lead).count(), submissions: await ds().getRepository(FormSubmission).count() };
    for (const key of ['not-configured', 'constructor', 'f13', 'F01', 'a'.repeat(41)]) {
      const r = await submit(key, '198.51.100.1');
      expect({ key, status: r.status }).toEqual({ key, status: 404 });
    }
    const preflight = await fetch(`${h.url}/api/public/forms/not-configured/submissions`, { method: 'OPTIONS', headers: { origin: 'https://example.com' } });
    expect(preflight.status).toBe(404);
    expect({ leads: await ds().getRepository(Lead).count(), submissions: await ds().getRepository(FormSubmission).count() }).toEqual(before);
    expect(await ds().getRepository(FormRateLimit).count()).toBe(0);
  });

  it('one address cycling many configured keys creates no more leads than its budget; then 429 with Retry-After', async () => {
    const ip = '198.51.100.2';
    const leadsBefore = await ds().getRepository(Lead).count();
    const results = [];
    for (const key of FORM_KEYS) results.push(await submit(key, ip));
    expect(results.slice(0, PER_IP).map((r) => r.status)).toEqual(Array(PER_IP).fill(201));
    const limited = results.slice(PER_IP);
    expect(limited.map((r) => r.status)).toEqual(Array(FORM_KEYS.length - PER_IP).fill(429));
    for (const r of limited) {
      expect(r.body.error).toBe('rate_limited');
      const retryAfter = Number(r.retryAfter);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(600);
    }
    expect((await ds().getRepository(Lead).count()) - leadsBefore).toBe(PER_IP);
    // Another address has its own budget.
    expect((await submit(FORM_KEYS[0], '198.51.100.3')).status).toBe(201);
  });

  it('one form from one address stops at the per-form limit before the budget is spent', async () => {
    const statuses = [];
    for (let i = 0; i < PER_FORM + 2; i++) statuses.push((await submit(FORM_KEYS[1], '198.51.100.4')).status);
    expect(statuses).toEqual([...Array(PER_FORM).fill(201), 429, 429]);
    // The address still has budget left on other forms.
    expect((await submit(FORM_KEYS[2], '198.51.100.4')).status).toBe(201);
  });

  it('IPv6 addresses count by their /64, so rotating addresses in one network does not help', async () => {
    const statuses = [];
    for (let i = 0; i < PER_IP + 2; i++) statuses.push((await submit(FORM_KEYS[i], `2001:db8:1234:5678::${(i + 1).toString(16)}`)).status);
    expect(statuses).toEqual([...Array(PER_IP).fill(201), 429, 429]);
    expect((await submit(FORM_KEYS[0], '2001:db8:1234:5679::1')).status).toBe(201);
  });

  it('the budget is shared by every instance on the database', async () => {
    second = await startRuntime({ ...h.config, port: 0, instanceId: 'second-instance' }, { logger: silentLogger });
    const statuses = [];
    for (let i = 0; i < PER_IP + 2; i++) statuses.push((await submit(FORM_KEYS[i], '198.51.100.5', { phone: nextPhone() }, i % 2 ? second.url! : h.url)).status);
    expect(statuses).toEqual([...Array(PER_IP).fill(201), 429, 429]);
  });

  it("a configured form's source and tags land on the lead", async () => {
    expect((await submit('tagged', '198.51.100.6', { phone: '13912340001', name: '标签客户' })).status).toBe(201);
    const lead = await ds().getRepository(Lead).findOneByOrFail({ phone: '13912340001' });
    const tags = await ds().getRepository(LeadTag).findBy({ leadId: lead.id });
    expect(tags.map((t) => [t.name, t.tagId, t.source]).sort()).toEqual([
      ['官网', null, 'form'],
      ['试用', null, 'form'],
    ]);
    const [submission] = await ds().getRepository(FormSubmission).findBy({ leadId: lead.id });
    expect(submission.fields).toMatchObject({ formKey: 'tagged' });
    // The form created the lead: the scoring signal is the lead's capture_signal.
    expect(lead.captureSignal).toMatchObject({ kind: 'form_submit', value: '官网试用' });
  });

  it('control, bidi-override and zero-width characters never reach the lead', async () => {
    const r = await submit(FORM_KEYS[3], '198.51.100.7', { phone: '13912340002', name: '王\u0000先\u202E生\u200B', company: '某\u0007公司' });
    expect(r.status).toBe(201);
    const lead = await ds().getRepository(Lead).findOneByOrFail({ phone: '13912340002' });
    expect([lead.name, lead.corpName]).toEqual(['王先生', '某公司']);
  });
});

describe('callbacks: ids longer than WeCom sends are refused at intake', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { members: [{ userid: 'zhangsan' }] } });
  });
  afterAll(async () => h?.close());

  const stored = async () => ({ inbox: await h.runtime.ctx.dataSource.getRepository(InboxEvent).count(), jobs: await h.runtime.ctx.dataSource.getRepository(Job).count() });
  const add = (fields: Record<string, string>) =>
    h.driver.postCallback({ Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: 'zhangsan', ExternalUserID: 'wmHardening0001', WelcomeCode: 'WELCOME-1', ...fields });

  it('a validly signed add with a 40 KB ExternalUserID is 400 and stores nothing', async () => {
    const before = await stored();
    const r = await add({ ExternalUserID: `wm${'x'.repeat(40 * 1024)}` });
    expect(r.status).toBe(400);
    expect(r.body).toBe('field_too_long');
    expect(await stored()).toEqual(before);
  });

  it.each([
    ['UserID', { UserID: 'u'.repeat(65) }],
    ['State', { State: 's'.repeat(31) }],
    ['WelcomeCode', { WelcomeCode: 'w'.repeat(257) }],
  ])('an over-long %s is 400 too', async (_name, fields) => {
    const before = await stored();
    expect((await add(fields)).status).toBe(400);
    expect(await stored()).toEqual(before);
  });

  it('group and tag events: an over-long ChatId, member id or tag Id is 400', async () => {
    const before = await stored();
    const chat = { Event: 'change_external_chat', ChangeType: 'update', UpdateDetail: 'add_member', JoinScene: 0, MemChangeCnt: 1 };
    expect((await h.driver.postCallback({ ...chat, ChatId: `wr${'c'.repeat(127)}`, MemChangeList: { Item: ['zhangsan'] } })).status).toBe(400);
    expect((await h.driver.postCallback({ ...chat, ChatId: 'wrHardening01', MemChangeList: { Item: [`wm${'m'.repeat(127)}`] } })).status).toBe(400);
    expect((await h.driver.postCallback({ Event: 'change_external_tag', ChangeType: 'create', TagType: 'tag', Id: `et${'t'.repeat(127)}` })).status).toBe(400);
    expect(await stored()).toEqual(before);
  });

  it('ids at the limits are accepted', async () => {
    const r = await add({ UserID: 'u'.repeat(64), ExternalUserID: `wm${'x'.repeat(126)}`, State: 's'.repeat(30), WelcomeCode: 'w'.repeat(256) });
    expect(r.status).toBe(200);
    expect(await h.runtime.ctx.dataSource.getRepository(InboxEvent).countBy({ partitionKey: `contact:wm${'x'.repeat(126)}` })).toBe(1);
  });
});

describe('an instance on a host with a 200-character name', () => {
  let h: Harness;
  const hostname = `${'very-long-hostname-'.repeat(10)}0123456789`;
  let instanceId: string;
  beforeAll(async () => {
    // As on such a host: the default comes from os.hostname().
    const spy = jest.spyOn(os, 'hostname').mockReturnValue(hostname);
    try {
      instanceId = loadConfig({ PORT: '3000' }).instanceId;
    } finally {
      spy.mockRestore();
    }
    h = await startHarness({ config: { instanceId }, simulator: { members: [{ userid: 'zhangsan' }] } });
  });
  afterAll(async () => h?.close());

  it('still claims and completes work (its lease owner fits varchar(64) on MySQL)', async () => {
    expect(h.runtime.ctx.workerId.startsWith(`${instanceId}#`)).toBe(true);
    expect(h.runtime.ctx.workerId.length).toBeLessThanOrEqual(64);
    const { response } = await h.driver.customerAddsRep({ userId: 'zhangsan', externalUserId: 'wmLongHost0001', customer: { name: '长主机名客户' } });
    expect(response.status).toBe(200);
    // The inbox event is claimed and handled into a lead, and the welcome job is claimed and sent.
    const lead = await eventually(() => h.runtime.ctx.dataSource.getRepository(Lead).findOneBy({ externalUserId: 'wmLongHost0001' }));
    expect(lead.name).toBe('长主机名客户');
    await queuesSettled(h);
    const ds = h.runtime.ctx.dataSource;
    expect((await ds.getRepository(InboxEvent).findBy({ partitionKey: 'contact:wmLongHost0001' })).map((e) => e.status)).toEqual(['done']);
    const jobs = await ds.getRepository(Job).find();
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) expect({ kind: job.kind, status: job.status }).toEqual({ kind: job.kind, status: expect.stringMatching(/^(done|skipped|ignored)$/) });
    // The welcome (on the add's inbox row) was claimed and finished too.
    expect((await ds.getRepository(InboxEvent).findBy({ partitionKey: 'contact:wmLongHost0001' })).map((e) => e.welcomeStatus)).toEqual([expect.stringMatching(/^(done|skipped)$/)]);
  });
});

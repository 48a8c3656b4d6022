import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { In } from 'typeorm';
import { FormSubmission } from '../src/capture/form-submission.entity';
import { LeadMerge } from '../src/leads/merge/lead-merge.entity';
import { importLeads } from '../src/capture/import/import-leads';
import { openDatabase } from '../src/db/data-source';
import { Job } from '../src/jobs/job.entity';
import { Lead } from '../src/leads/lead.entity';
import { LeadActivity } from '../src/leads/lead-activity.entity';
import { TimelineEntry } from '../src/leads/timeline-entry.entity';
import { eventually, Harness, queuesSettled, startHarness } from './support/harness';

/** Web form, CSV/XLSX import and duplicate merging, over HTTP against a real service and database. */
describe('capture paths: web form, import, merge', () => {
  let h: Harness;
  let dir: string;
  const formsConfig = process.env.FORMS_CONFIG;
  beforeAll(async () => {
    // Only configured forms take submissions: these tests post to the ones listed there.
    process.env.FORMS_CONFIG = path.join(__dirname, 'support', 'test-forms.json');
    h = await startHarness({ simulator: { members: [{ userid: 'zhangsan' }, { userid: 'lisi' }] } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-import-'));
  });
  afterAll(async () => {
    if (formsConfig === undefined) delete process.env.FORMS_CONFIG;
    else process.env.FORMS_CONFIG = formsConfig;
    await h.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ds = () => h.runtime.ctx.dataSource;
  const leadsWhere = (where: Partial<Lead>) => ds().getRepository(Lead).findBy(where as never);
  const count = (entity: Function, where: object = {}) => ds().getRepository(entity as never).countBy(where as never);
  const timelineOf = (leadId: number) => ds().getRepository(TimelineEntry).find({ where: { leadId }, order: { id: 'ASC' } });

  let ipSeq = 0;
  /** Each caller gets its own client IP unless it passes one, so rate limits do not leak between tests. */
  async function submit(formKey: string, body: unknown, opts: { ip?: string; form?: boolean; headers?: Record<string, string>; raw?: string } = {}) {
    const ip = opts.ip ?? `203.0.113.${++ipSeq}`;
    const payload = opts.raw ?? (opts.form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body));
    const response = await fetch(`${h.url}/api/public/forms/${formKey}/submissions`, {
      method: 'POST',
      headers: {
        'content-type': opts.form ? 'application/x-www-form-urlencoded' : 'application/json',
        'x-forwarded-for': ip,
        ...opts.headers,
      },
      body: payload,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
  }

  describe('web form', () => {
    it('stores the submission with UTM and page, creates a form lead, and echoes nothing back', async () => {
      const r = await submit(
        'expo-2026',
        {
          name: '陈一',
          phone: '+86 138-0013-8000',
          company: '一号科技',
          message: '想了解价格',
          industry: '教育',
          utm_source: 'baidu',
          utm_medium: 'cpc',
          utm_campaign: 'spring',
          utm_term: 'scrm',
          utm_content: 'ad-1',
          pageUrl: 'https://example.com/landing?x=1',
        },
        { ip: '198.51.100.7', headers: { referer: 'https://www.baidu.com/s?wd=scrm' } },
      );
      expect(r.status).toBe(201);
      expect(r.body).toEqual({ ok: true });

      const [lead] = await leadsWhere({ phone: '13800138000' });
      expect(lead).toMatchObject({ name: '陈一', corpName: '一号科技', source: 'form', mergedIntoId: null });
      expect(lead.attributes).toMatchObject({ industry: '教育' });
      const [submission] = await ds().getRepository(FormSubmission).findBy({ leadId: lead.id });
      expect(submission).toMatchObject({
        utmSource: 'baidu',
        utmMedium: 'cpc',
        utmCampaign: 'spring',
        utmTerm: 'scrm',
        utmContent: 'ad-1',
        pageUrl: 'https://example.com/landing?x=1',
        referrer: 'https://www.baidu.com/s?wd=scrm',
      });
      expect(submission.fields).toMatchObject({ formKey: 'expo-2026', name: '陈一', message: '想了解价格', custom: { industry: '教育' } });
      expect(submission.ipHash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(submission)).not.toContain('198.51.100.7');

      const timeline = await timelineOf(lead.id);
      expect(timeline.find((e) => e.kind === 'form.submitted')?.summary).toBe('新线索：提交了网页表单「expo-2026」，留言：想了解价格');
      // The submission that created the lead: its signal is on the lead row, not a lead_activity row.
      expect(lead.captureSignal).toMatchObject({ kind: 'form_submit', value: 'expo-2026' });
      expect(await count(LeadActivity, { leadId: lead.id })).toBe(0);
      const captured = await h.runtime.ctx.dataSource.getRepository(Job).findBy({ kind: 'event:lead.captured', dedupKey: `event@lead.captured:form:${submission.id}` });
      expect(captured.map((j) => (j.payload as { subscribers: string[] }).subscribers)).toEqual([['assign-captured']]);

      const detail = await h.admin('GET', `/api/admin/leads/${lead.id}`);
      expect(detail.body.phone).toBe('138****8000');
      expect(JSON.stringify(detail.body)).not.toContain('13800138000');
    });

    it('accepts application/x-www-form-urlencoded', async () => {
      const r = await submit('contact-us', { name: '表单用户', email: 'Form.User@Example.com', utm_source: 'newsletter' }, { form: true });
      expect(r.status).toBe(201);
      const [lead] = await leadsWhere({ email: 'form.user@example.com' });
      expect(lead.name).toBe('表单用户');
      const [submission] = await ds().getRepository(FormSubmission).findBy({ leadId: lead.id });
      expect(submission.utmSource).toBe('newsletter');
    });

    it('dedups by phone: a second submission lands on the same lead, both submissions are kept, known fields stay', async () => {
      const first = await submit('trial', { name: '周二', phone: '139 0013 9001' });
      const second = await submit('trial', { name: '周二二', phone: '13900139001', email: 'zhou@example.com', utm_campaign: 'retarget' });
      expect([first.status, second.status]).toEqual([201, 201]);
      const leads = await leadsWhere({ phone: '13900139001' });
      expect(leads).toHaveLength(1);
      expect(leads[0]).toMatchObject({ name: '周二', email: 'zhou@example.com' });
      const submissions = await ds().getRepository(FormSubmission).find({ where: { leadId: leads[0].id }, order: { id: 'ASC' } });
      expect(submissions.map((s) => s.utmCampaign)).toEqual([null, 'retarget']);
      const entries = (await timelineOf(leads[0].id)).filter((e) => e.kind === 'form.submitted');
      expect(entries.map((e) => e.summary)).toEqual(['新线索：提交了网页表单「trial」', '提交了网页表单「trial」']);
    });

    it('dedups by unionid', async () => {
      await submit('trial', { unionid: 'oUnion-abc-1', name: '吴三' });
      await submit('webinar', { unionid: 'oUnion-abc-1', phone: '13700137001' });
      const leads = await leadsWhere({ unionid: 'oUnion-abc-1' });
      expect(leads).toHaveLength(1);
      expect(leads[0].phone).toBe('13700137001');
      expect(await count(FormSubmission, { leadId: leads[0].id })).toBe(2);
    });

    it('rejects bad input with field errors and stores nothing', async () => {
      const before = { leads: await count(Lead), submissions: await count(FormSubmission) };

      const noContact = await submit('trial', { name: '没有联系方式', message: 'hi' });
      expect(noContact.status).toBe(400);
      expect(noContact.body.error).toBe('validation_failed');
      expect(noContact.body.fields).toEqual([expect.objectContaining({ code: 'missing_contact' })]);

      const badPhone = await submit('trial', { name: 'x', phone: '12345678901' });
      expect(badPhone.status).toBe(400);
      expect(badPhone.body.fields).toEqual([expect.objectContaining({ path: 'phone', code: 'invalid_phone', message: '请填写正确的手机号' })]);

      const many = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`q${i}`, 'a']));
      const tooMany = await submit('trial', { phone: '13600136001', ...many });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.fields.map((f: any) => f.code)).toContain('too_many_fields');

      const tooLong = await submit('trial', { phone: '13600136001', interest: 'x'.repeat(501) });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.fields).toEqual([expect.objectContaining({ path: 'interest', code: 'too_long' })]);

      const nested = await submit('trial', { phone: ['13600136001'] });
      expect(nested.status).toBe(400);

      const huge = await submit('trial', { phone: '13600136001', message: 'x'.repeat(20_000) });
      expect(huge.status).toBe(413);
      expect(huge.body.error).toBe('payload_too_large');

      const broken = await submit('trial', null, { raw: '{"phone": ' });
      expect(broken.status).toBe(400);
      expect(broken.body.error).toBe('invalid_body');

      const badKey = await submit('Bad_Key!', { phone: '13600136001' });
      expect(badKey.status).toBe(404);

      expect({ leads: await count(Lead), submissions: await count(FormSubmission) }).toEqual(before);
    });

    it('rate-limits per IP and form: after 10 in a window → 429 with Retry-After; another IP is unaffected', async () => {
      const results: Array<{ status: number; retryAfter: string | null }> = [];
      for (let i = 0; i < 21; i++) {
        const r = await submit('rate-test', { phone: '13500135001' }, { ip: '192.0.2.50' });
        results.push({ status: r.status, retryAfter: r.headers.get('retry-after') });
      }
      // 21 requests span at most two fixed windows, so one of them saw an 11th request; the
      // first 10 always pass.
      expect(results.slice(0, 10).every((r) => r.status === 201)).toBe(true);
      const limited = results.filter((r) => r.status === 429);
      expect(limited.length).toBeGreaterThanOrEqual(1);
      for (const r of limited) expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      const accepted = results.filter((r) => r.status === 201).length;
      const [lead] = await leadsWhere({ phone: '13500135001' });
      expect(await count(FormSubmission, { leadId: lead.id })).toBe(accepted);

      expect((await submit('rate-test', { phone: '13500135001' }, { ip: '192.0.2.51' })).status).toBe(201);
    });

    it('silently drops a honeypot submission', async () => {
      const before = { leads: await count(Lead), submissions: await count(FormSubmission) };
      const r = await submit('trial', { name: 'bot', phone: '13400134001', website: 'http://spam.example' });
      expect(r.status).toBe(201);
      expect(r.body).toEqual({ ok: true });
      expect({ leads: await count(Lead), submissions: await count(FormSubmission) }).toEqual(before);
      expect(await leadsWhere({ phone: '13400134001' })).toHaveLength(0);
    });

    it('answers CORS preflight for browser posts', async () => {
      const r = await fetch(`${h.url}/api/public/forms/trial/submissions`, { method: 'OPTIONS', headers: { origin: 'https://example.com', 'access-control-request-method': 'POST' } });
      expect(r.status).toBe(204);
      expect(r.headers.get('access-control-allow-origin')).toBe('*');
    });
  });

  describe('import from CSV and XLSX', () => {
    const readReport = (file: string) =>
      fs
        .readFileSync(`${file}.errors.csv`, 'utf8')
        .replace(/^\uFEFF/, '')
        .trim()
        .split(/\r\n/);

    it('imports good rows, reports exactly the bad ones, and re-running adds nothing', async () => {
      const file = path.join(dir, 'expo.csv');
      fs.writeFileSync(
        file,
        [
          '姓名,手机号,邮箱,公司,行业,预算,unionid,备注,展位',
          '张三,138 0013 8101,,甲公司,教育,50000,,展会咨询,A1',
          '李四,,lisi@example.com,乙公司,零售,,,,B2',
          '王五,12345,,丙公司,,,,,',
          '赵六,,,丁公司,,,,,',
          '',
          '"钱七, 二号",13800138101,,,,,,,',
          '孙八,,not-an-email,,,,,,',
          '周九,,,,,,oImportUnion9,,',
        ].join('\n'),
      );
      const progress: number[] = [];
      const result = await importLeads(ds(), file, { sourceName: 'expo2026', batchSize: 2 }, (p) => progress.push(p.processed));
      expect(result).toMatchObject({ total: 7, processed: 7, created: 3, matched: 1, failed: 3, sourceName: 'expo2026' });
      expect(progress[progress.length - 1]).toBe(7);
      expect(result.errorReportPath).toBe(`${file}.errors.csv`);

      const report = readReport(file);
      expect(report[0]).toBe('row,code,reason,姓名,手机号,邮箱,公司,行业,预算,unionid,备注,展位');
      expect(report.slice(1)).toEqual([
        '4,invalid_phone,手机号格式不正确,王五,12345,,丙公司,,,,,',
        '5,missing_contact,缺少手机号、邮箱或 unionid，无法识别客户,赵六,,,丁公司,,,,,',
        '8,invalid_email,邮箱格式不正确,孙八,,not-an-email,,,,,,',
      ]);

      const [zhang] = await leadsWhere({ phone: '13800138101' });
      expect(zhang).toMatchObject({ name: '张三', corpName: '甲公司', source: 'import' });
      expect(zhang.attributes).toEqual({ industry: '教育', budget: 50000, 展位: 'A1' });
      expect((await timelineOf(zhang.id)).filter((e) => e.kind === 'import.row').map((e) => e.summary)).toEqual(['新线索：从名单「expo2026」导入，备注：展会咨询']);
      expect(await leadsWhere({ unionid: 'oImportUnion9' })).toHaveLength(1);

      await queuesSettled(h);
      const before = { leads: await count(Lead), timeline: await count(TimelineEntry), activities: await count(LeadActivity), jobs: await count(Job) };
      // As the CLI does it: a new process, a fresh connection that has inserted nothing yet.
      const fresh = await openDatabase(h.db.url, { migrate: false });
      try {
        const again = await importLeads(fresh, file, { sourceName: 'expo2026' });
        expect(again).toMatchObject({ created: 0, matched: 4, failed: 3 });
      } finally {
        await fresh.destroy();
      }
      await queuesSettled(h);
      expect({ leads: await count(Lead), timeline: await count(TimelineEntry), activities: await count(LeadActivity), jobs: await count(Job) }).toEqual(before);
      expect(readReport(file)).toHaveLength(4);
    });

    it('imports an XLSX list (English headers, numeric phone cells), matches known people, and is idempotent', async () => {
      await submit('trial', { name: '已在表单', phone: '13300133001' });
      const file = path.join(dir, 'partners.xlsx');
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet('list');
      sheet.addRow(['Name', 'Phone', 'Email', 'Company', 'Region', 'Company Size', 'Product Line', 'Note', 'Wechat Group']);
      sheet.addRow(['Alice', 13300133001, '', 'Acme', '上海', '100-500', 'SCRM', 'met at booth', 'G1']);
      sheet.addRow(['Bob', 13200132001, 'bob@example.com', 'Bobco', '北京', '', '', '', '']);
      sheet.addRow(['Carol', '', '', 'NoContact', '', '', '', '', '']);
      sheet.addRow(['Dave', '1999', '', '', '', '', '', '', '']);
      sheet.addRow(['Erin', '+86 131 3113 1001', '', '', '', '', '', '', '']);
      await workbook.xlsx.writeFile(file);

      const result = await importLeads(ds(), file, { sourceName: 'partners' });
      expect(result).toMatchObject({ total: 5, created: 2, matched: 1, failed: 2 });
      expect(result.columns.fields).toMatchObject({ Name: 'name', Phone: 'phone', 'Company Size': 'companySize', 'Product Line': 'productLine', Note: 'note' });
      expect(result.columns.attributes).toEqual(['Wechat Group']);
      expect(readReport(file).slice(1).map((line) => line.split(',').slice(0, 2).join(','))).toEqual(['4,missing_contact', '5,invalid_phone']);

      const [known] = await leadsWhere({ phone: '13300133001' });
      expect(known).toMatchObject({ name: '已在表单', source: 'form', corpName: 'Acme' });
      expect(known.attributes).toMatchObject({ region: '上海', companySize: '100-500', productLine: 'SCRM', 'Wechat Group': 'G1' });
      expect(await leadsWhere({ phone: '13131131001' })).toHaveLength(1);

      await queuesSettled(h);
      const before = { leads: await count(Lead), timeline: await count(TimelineEntry) };
      expect(await importLeads(ds(), file, { sourceName: 'partners' })).toMatchObject({ created: 0, matched: 3 });
      await queuesSettled(h);
      expect({ leads: await count(Lead), timeline: await count(TimelineEntry) }).toEqual(before);
    });

    it('a dry run counts but writes nothing; a clean run removes a stale error report', async () => {
      const file = path.join(dir, 'dry.csv');
      fs.writeFileSync(file, 'name,phone\nDry,13100131999\n');
      fs.writeFileSync(`${file}.errors.csv`, 'stale');
      const before = await count(Lead);
      expect(await importLeads(ds(), file, { dryRun: true })).toMatchObject({ created: 1, failed: 0, dryRun: true, errorReportPath: null, sourceName: 'dry' });
      expect(await count(Lead)).toBe(before);
      expect(fs.existsSync(`${file}.errors.csv`)).toBe(false);
    });

    it('refuses a file whose header has no identifying column', async () => {
      const file = path.join(dir, 'nohead.csv');
      fs.writeFileSync(file, 'foo,bar\n1,2\n');
      await expect(importLeads(ds(), file)).rejects.toThrow(/no phone, email or unionid column/);
    });
  });

  describe('merging duplicates', () => {
    it('lists duplicate pairs; merging keeps every timeline entry of both, records the merge, hides the merged lead', async () => {
      await submit('merge-a', { name: '郑甲', phone: '13000130001', email: 'zheng@example.com', region: '广州' });
      const file = path.join(dir, 'merge.csv');
      fs.writeFileSync(file, '姓名,手机号,邮箱,公司\n郑甲乙,13000130002,zheng@example.com,郑氏集团\n');
      // The import matches by phone first; a different phone with the same email still finds the form lead.
      expect(await importLeads(ds(), file, { sourceName: 'merge-list' })).toMatchObject({ created: 0, matched: 1 });
      // Make a true duplicate: the same email on a second lead created by a later form.
      await submit('merge-b', { name: '郑甲(重复)', phone: '13000130003' });
      const [a] = await leadsWhere({ phone: '13000130001' });
      const [b] = await leadsWhere({ phone: '13000130003' });
      await ds().getRepository(Lead).update({ id: b.id }, { email: 'zheng@example.com' });
      await queuesSettled(h);

      const dupes = await h.admin('GET', '/api/admin/leads/duplicates?limit=50');
      expect(dupes.status).toBe(200);
      const pair = dupes.body.items.find((p: any) => p.leadId === a.id && p.otherLeadId === b.id);
      expect(pair.reasons).toEqual(['email']);
      expect(pair.lead.phone).toBe('130****0001');

      const entriesA = (await timelineOf(a.id)).map((e) => e.id);
      const entriesB = (await timelineOf(b.id)).map((e) => e.id);
      expect(entriesB.length).toBeGreaterThan(0);
      const submissionsB = await count(FormSubmission, { leadId: b.id });

      const merged = await h.admin('POST', `/api/admin/leads/${b.id}/merge`, { otherLeadId: a.id });
      expect(merged.status).toBe(200);
      expect(merged.body).toMatchObject({ keptLeadId: a.id, mergedLeadId: b.id, reason: 'email' });

      const after = await timelineOf(a.id);
      expect(after.map((e) => e.id)).toEqual(expect.arrayContaining([...entriesA, ...entriesB]));
      expect(after.find((e) => e.kind === 'lead.merged')?.summary).toBe(`管理员合并了重复线索 #${b.id}（依据：邮箱）`);
      expect(await count(FormSubmission, { leadId: a.id })).toBe(1 + submissionsB);

      const record = await ds().getRepository(LeadMerge).findOneByOrFail({ mergedLeadId: b.id });
      expect(record).toMatchObject({ keptLeadId: a.id, reason: 'email' });
      expect((record.snapshot as any).lead).toMatchObject({ id: b.id, name: '郑甲(重复)', phone: '13000130003' });

      const tombstone = await ds().getRepository(Lead).findOneByOrFail({ id: b.id });
      expect(tombstone.mergedIntoId).toBe(a.id);
      const list = await h.admin('GET', '/api/admin/leads?limit=200');
      expect(list.body.items.map((l: any) => l.id)).toContain(a.id);
      expect(list.body.items.map((l: any) => l.id)).not.toContain(b.id);
      const gone = await h.admin('GET', `/api/admin/leads/${b.id}`);
      expect(gone.status).toBe(200);
      expect(gone.body.mergedIntoId).toBe(a.id);
      expect((await h.admin('GET', `/api/admin/leads/${a.id}`)).body.mergedIntoId).toBeNull();

      const dupesAfter = await h.admin('GET', '/api/admin/leads/duplicates');
      expect(dupesAfter.body.items.some((p: any) => p.otherLeadId === b.id || p.leadId === b.id)).toBe(false);
      expect((await h.admin('POST', `/api/admin/leads/${a.id}/merge`, { otherLeadId: b.id })).status).toBe(409);
      expect((await h.admin('POST', `/api/admin/leads/${a.id}/merge`, { otherLeadId: a.id })).status).toBe(400);
      expect((await h.admin('POST', `/api/admin/leads/${a.id}/merge`, { otherLeadId: 999999 })).status).toBe(404);

      // What the merged lead knew still identifies the person: its phone now leads to the kept lead.
      await submit('merge-b', { phone: '13000130003' });
      expect(await count(FormSubmission, { leadId: a.id })).toBe(2 + submissionsB);
      expect(await count(FormSubmission, { leadId: b.id })).toBe(0);
      expect(await count(Lead, { phone: '13000130003' })).toBe(1);
    });

    it('a form submission matching two different leads lands on the older one and merges nothing', async () => {
      // A public form is anonymous: typing one person's phone and another's unionid must not join
      // two strangers' leads. The pair stays on the duplicates list for a person to decide.
      await submit('two-a', { name: '冯丙', phone: '15000150001' });
      await submit('two-b', { name: '冯丙微信', unionid: 'oMergeUnion-77' });
      const [byPhone] = await leadsWhere({ phone: '15000150001' });
      const [byUnion] = await leadsWhere({ unionid: 'oMergeUnion-77' });
      expect(byPhone.id).toBeLessThan(byUnion.id);

      expect((await submit('two-c', { phone: '15000150001', unionid: 'oMergeUnion-77' })).status).toBe(201);
      expect(await ds().getRepository(Lead).findOneByOrFail({ id: byUnion.id })).toMatchObject({ mergedIntoId: null });
      expect(await ds().getRepository(LeadMerge).findOneBy({ mergedLeadId: byUnion.id })).toBeNull();
      expect(await count(FormSubmission, { leadId: byPhone.id })).toBe(2);
      const duplicates = await h.admin('GET', '/api/admin/leads/duplicates?limit=200');
      const pairs = (duplicates.body.items as Array<{ leadId: number; otherLeadId: number }>).map((d) => [d.leadId, d.otherLeadId]);
      expect(pairs).toContainEqual([byPhone.id, byUnion.id]);
    });

    it('a WeCom add whose unionid belongs to a form lead lands on that lead', async () => {
      await submit('wecom-link', { name: '褚丁', phone: '15100151001', unionid: 'oWecomUnion-1' });
      const [formLead] = await leadsWhere({ unionid: 'oWecomUnion-1' });
      const { externalUserId } = await h.driver.customerAddsRep({ userId: 'zhangsan', customer: { name: '褚丁微信', unionid: 'oWecomUnion-1' } });
      const lead = await eventually(async () => {
        const l = await ds().getRepository(Lead).findOneBy({ externalUserId });
        return l?.ownerUserId ? l : null;
      });
      expect(lead.id).toBe(formLead.id);
      expect(lead).toMatchObject({ ownerUserId: 'zhangsan', phone: '15100151001', source: 'form' });
      expect(await count(Lead, { unionid: 'oWecomUnion-1' })).toBe(1);
    });

    it('a WeCom add with a remark mobile of a form lead attaches to it; an existing WeCom lead later matching by unionid is merged', async () => {
      await submit('wecom-mobile', { name: '卫戊', phone: '15200152001' });
      const [formLead] = await leadsWhere({ phone: '15200152001' });
      const externalUserId = 'wmRemarkMobile000000001';
      h.sim.state.addExternalContact({ external_userid: externalUserId, name: '卫戊微信' });
      h.sim.state.addFollow('zhangsan', externalUserId, { remark_mobiles: ['152-0015-2001'] });
      await h.driver.postCallback({ Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: 'zhangsan', ExternalUserID: externalUserId });
      const attached = await eventually(() => ds().getRepository(Lead).findOneBy({ externalUserId }));
      expect(attached.id).toBe(formLead.id);

      // A WeCom lead first (no unionid known), then a form lead with a unionid, then the contact's unionid shows up.
      const { externalUserId: ext2 } = await h.driver.customerAddsRep({ userId: 'zhangsan', customer: { name: '蒋己' } });
      const wecomLead = await eventually(() => ds().getRepository(Lead).findOneBy({ externalUserId: ext2 }));
      await submit('wecom-late', { name: '蒋己', unionid: 'oLateUnion-1', email: 'jiang@example.com' });
      const [lateForm] = await leadsWhere({ unionid: 'oLateUnion-1' });
      expect(lateForm.id).toBeGreaterThan(wecomLead.id);
      await queuesSettled(h);
      // The customer adds a second rep; by now WeCom reports the contact's unionid.
      await h.driver.customerAddsRep({ userId: 'lisi', externalUserId: ext2, customer: { unionid: 'oLateUnion-1' } });
      await eventually(async () => (await ds().getRepository(Lead).findOneByOrFail({ id: lateForm.id })).mergedIntoId === wecomLead.id);
      const kept = await ds().getRepository(Lead).findOneByOrFail({ id: wecomLead.id });
      expect(kept).toMatchObject({ externalUserId: ext2, unionid: 'oLateUnion-1', email: 'jiang@example.com', ownerUserId: 'zhangsan' });
      expect(await ds().getRepository(LeadMerge).findOneBy({ mergedLeadId: lateForm.id })).toMatchObject({ keptLeadId: wecomLead.id, reason: 'unionid' });
      expect(await count(TimelineEntry, { leadId: In([lateForm.id]), kind: 'form.submitted' })).toBe(0);
    });
  });
});

import ExcelJS from 'exceljs';
import { AuditLog } from '../src/audit/audit-log.entity';
import { LeadExport } from '../src/console/leads/export/lead-export.entity';
import { Lead } from '../src/leads/lead.entity';
import { LeadTag } from '../src/leads/lead-tag.entity';
import { TimelineEntry } from '../src/leads/timeline-entry.entity';
import { makeLead, makeMember, makeTeam } from './support/factories';
import { eventually, Harness, startHarness } from './support/harness';
import { signInToConsole } from './support/console-session';

/**
 * The console's leads area (issue 12): the lead table and a lead's page over /api/console/leads,
 * signed in as a member through the simulated WeCom web login. What a manager sees and does is
 * the lead policy's (their teams only); reveals, reassignments, merges and exports are audited
 * under the member's name; the Excel export is built by a job, its progress polled, its file
 * masked; every write needs the session's CSRF token.
 */
describe('console: leads and the audit log', () => {
  let h: Harness;
  const ds = () => h.runtime.ctx.dataSource;
  const L: Record<string, Lead> = {};

  /** A session for this member: the login dance through the simulator, then the session's CSRF token. */
  async function session(userId: string) {
    const { cookie, csrfToken } = await signInToConsole(h, userId);
    /** A console call; it carries the CSRF token, as the console's pages do, unless `csrf` is false. */
    const api = async (method: string, path: string, body?: unknown, csrf = true) => {
      const r = await fetch(`${h.url}/api/console${path}`, {
        method,
        headers: { cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(csrf ? { 'x-csrf-token': csrfToken } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const type = r.headers.get('content-type') ?? '';
      return { status: r.status, headers: r.headers, body: type.includes('json') ? await r.json() : Buffer.from(await r.arrayBuffer()) } as { status: number; headers: Headers; body: any };
    };
    return api;
  }
  type Api = Awaited<ReturnType<typeof session>>;
  let admin: Api;
  let boss: Api;

  beforeAll(async () => {
    h = await startHarness({ runtime: { runScheduler: false } });
    await makeMember(h, 'op-admin', { name: '运营孙', roles: ['admin'] });
    for (const [userId, name] of [['rep-east', '东区甲'], ['rep-east2', '东区乙'], ['rep-west', '西区丙']]) await makeMember(h, userId, { name, roles: ['rep'] });
    const east = await makeTeam(h, { name: '华东组', members: ['rep-east', 'rep-east2'] });
    const west = await makeTeam(h, { name: '华西组', members: ['rep-west'] });
    await makeMember(h, 'boss-east', { name: '华东主管', roles: ['manager'], managedTeamIds: [east.id] });
    const now = Date.now();
    L.east1 = await makeLead(ds(), { name: '东区客户一', ownerUserId: 'rep-east', teamId: east.id, phone: '13800138001', score: 30, stage: 'new', createdAt: now - 5000 });
    L.east2 = await makeLead(ds(), { name: '东区客户二 13912345678', ownerUserId: 'rep-east', teamId: east.id, phone: '13800138002', score: 80, grade: 'A', stage: 'contacted', createdAt: now - 4000 });
    L.eastPool = await makeLead(ds(), { name: '东区公海客户', ownerUserId: null, inPool: true, teamId: east.id, score: 10, createdAt: now - 3000 });
    L.west = await makeLead(ds(), { name: '西区客户', ownerUserId: 'rep-west', teamId: west.id, phone: '13800138003', score: 50, createdAt: now - 2000 });
    L.westPool = await makeLead(ds(), { name: '西区公海客户', ownerUserId: null, inPool: true, teamId: west.id, createdAt: now - 1000 });
    await ds().getRepository(LeadTag).insert({ leadId: L.east2.id, name: '高意向', tagId: null, source: 'manual', createdAt: now });
    admin = await session('op-admin');
    boss = await session('boss-east');
  });
  afterAll(async () => h?.close());

  const ids = (r: { body: any }) => r.body.items.map((i: { id: number }) => i.id);

  describe('the table', () => {
    it("a manager's table holds their teams' leads and pools, never another team's; an admin's every lead", async () => {
      const mine = await boss('GET', '/leads');
      expect(mine.status).toBe(200);
      expect(ids(mine)).toEqual([L.eastPool.id, L.east2.id, L.east1.id]);
      expect(mine.body).toMatchObject({ total: 3, page: 1, pageSize: 20 });
      const row = mine.body.items.find((i: any) => i.id === L.east2.id);
      expect(row).toMatchObject({ ownerUserId: 'rep-east', ownerName: '东区甲', stage: 'contacted', stageLabel: '已联系', phone: '138****8002', tags: ['高意向'] });
      // A number typed into the name is masked like the phone.
      expect(JSON.stringify(mine.body)).not.toContain('13912345678');

      const all = await admin('GET', '/leads');
      expect(ids(all)).toEqual([L.westPool.id, L.west.id, L.eastPool.id, L.east2.id, L.east1.id]);
      expect(all.body.total).toBe(5);
    });

    it("filters (the admin API's), sorts and pages; bad input is a 400 in Chinese", async () => {
      expect(ids(await boss('GET', '/leads?stage=contacted'))).toEqual([L.east2.id]);
      expect(ids(await boss('GET', '/leads?inPool=true'))).toEqual([L.eastPool.id]);
      expect(ids(await boss('GET', '/leads?tag=%E9%AB%98%E6%84%8F%E5%90%91'))).toEqual([L.east2.id]);
      expect(ids(await boss('GET', `/leads?q=${encodeURIComponent('客户一')}`))).toEqual([L.east1.id]);
      expect(ids(await boss('GET', '/leads?ownerUserId=rep-west'))).toEqual([]);
      expect(ids(await admin('GET', '/leads?grade=A'))).toEqual([L.east2.id]);
      expect(ids(await admin('GET', '/leads?sort=score&order=desc'))).toEqual([L.east2.id, L.west.id, L.east1.id, L.eastPool.id, L.westPool.id]);
      expect(ids(await admin('GET', '/leads?sort=score&order=asc')).slice(0, 2)).toEqual([L.westPool.id, L.eastPool.id]);
      const page2 = await admin('GET', '/leads?pageSize=10&page=1');
      expect(page2.body.items).toHaveLength(5);
      expect(ids(await admin('GET', '/leads?pageSize=10&page=2'))).toEqual([]);

      for (const [query, message] of [
        ['pageSize=7', '每页条数只能是 10、20、50 或 100'],
        ['page=1001&pageSize=10', '最多只能翻到前 10000 条，请添加筛选条件缩小范围'],
        ['q=13800', '搜索词最多包含 2 个数字；按手机号查找请使用「手机号」筛选'],
        [`q=${encodeURIComponent('¹³⁸')}`, '搜索词最多包含 2 个数字；按手机号查找请使用「手机号」筛选'],
        ['phone=abc', '请输入正确的手机号'],
      ]) {
        const r = await admin('GET', `/leads?${query}`);
        expect({ query, status: r.status, message: r.body.message }).toEqual({ query, status: 400, message });
      }
      // A misspelt filter is refused, not ignored (it would pass the whole list off as the filtered one).
      const misspelt = await admin('GET', '/leads?owner=rep-east');
      expect(misspelt.status).toBe(400);
      expect(misspelt.body.error).toBe('validation_failed');
    });

    it('a search by full phone number is logged as a reveal of each lead it finds, naming the member', async () => {
      const r = await boss('GET', '/leads?phone=138-0013-8001');
      expect(ids(r)).toEqual([L.east1.id]);
      const rows = await ds().getRepository(AuditLog).findBy({ leadId: L.east1.id, actorUserId: 'boss-east' });
      expect(rows.map((a) => [a.action, a.purpose])).toEqual([['phone.reveal', '按完整手机号搜索']]);
      // Another team's number finds nothing for the manager, and logs nothing.
      expect(ids(await boss('GET', '/leads?phone=13800138003'))).toEqual([]);
      expect(await ds().getRepository(AuditLog).countBy({ leadId: L.west.id })).toBe(0);
      // A page past the end still says how many it found: every match is logged all the same.
      const before = await ds().getRepository(AuditLog).countBy({ leadId: L.east1.id, actorUserId: 'boss-east' });
      const past = await boss('GET', '/leads?phone=13800138001&page=100&pageSize=100');
      expect(past.body).toMatchObject({ total: 1, items: [] });
      expect(await ds().getRepository(AuditLog).countBy({ leadId: L.east1.id, actorUserId: 'boss-east' })).toBe(before + 1);
      // A link from another site (no CSRF header) cannot log a search in the member's name.
      const forged = await boss('GET', '/leads?phone=13800138001', undefined, false);
      expect(forged.status).toBe(403);
      expect(await ds().getRepository(AuditLog).countBy({ leadId: L.east1.id, actorUserId: 'boss-east' })).toBe(before + 1);
      // Digits in other spellings count: the collation would match them to ASCII ones.
      for (const q of ['１２３４５６７８', '١٢٣٤٥٦٧٨']) expect((await boss('GET', `/leads?q=${encodeURIComponent(q)}`)).status).toBe(400);
    });

    it("offers the manager's own members to filter by and give leads to", async () => {
      const r = await boss('GET', '/leads/options');
      expect(r.status).toBe(200);
      expect(r.body.members).toEqual([
        { userId: 'rep-east', name: '东区甲' },
        { userId: 'rep-east2', name: '东区乙' },
      ]);
      expect(r.body.stages.map((s: any) => s.label)).toEqual(['新线索', '已联系', '已确认意向', '商机', '已成交', '已流失']);
      // An admin: every active member who works leads (reps and managers), not admins who only administer.
      const all = await admin('GET', '/leads/options');
      expect(all.body.members.map((m: any) => m.userId).sort()).toEqual(['boss-east', 'rep-east', 'rep-east2', 'rep-west']);
    });
  });

  describe("a lead's page", () => {
    it('shows the score breakdown, the timeline and what the member may do; another team’s lead is a 404', async () => {
      await ds().getRepository(Lead).update({ id: L.east1.id }, { scoreBreakdown: [{ rule: 'behaviour.channel', points: 20, reason: '通过渠道添加' }, { rule: 'attr.industry', points: 10, reason: '行业：教育' }] });
      const r = await boss('GET', `/leads/${L.east1.id}`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        id: L.east1.id,
        phone: '138****8001',
        ownerName: '东区甲',
        scoreBreakdown: [
          { label: '通过渠道添加', points: 20 },
          { label: '行业：教育', points: 10 },
        ],
        actions: { canReveal: true, canChangeStage: true, canReassign: true, canMerge: true },
        nextStages: [
          { stage: 'contacted', label: '已联系' },
          { stage: 'lost', label: '已流失' },
        ],
      });
      for (const id of [L.west.id, L.westPool.id, 99999999]) {
        const hidden = await boss('GET', `/leads/${id}`);
        expect({ id, status: hidden.status, message: hidden.body.message }).toEqual({ id, status: 404, message: '线索不存在或您无权查看' });
      }
      expect((await boss('GET', '/leads/abc')).body.message).toBe('线索编号必须是正整数');
    });

    it('a reveal needs a purpose and the CSRF token, and is audited and on the timeline under the member’s name', async () => {
      const forged = await boss('POST', `/leads/${L.east1.id}/phone/reveal`, { purpose: '电话回访' }, false);
      expect(forged.status).toBe(403);
      expect(forged.body.error).toBe('csrf_failed');
      expect((await boss('POST', `/leads/${L.east1.id}/phone/reveal`, {})).body.message).toBe('请填写查看用途（2 到 100 个字）');
      expect((await boss('POST', `/leads/${L.west.id}/phone/reveal`, { purpose: '电话回访' })).status).toBe(404);
      // A pool lead's number is for whoever claims it.
      expect((await boss('POST', `/leads/${L.eastPool.id}/phone/reveal`, { purpose: '电话回访' })).status).toBe(403);

      const r = await boss('POST', `/leads/${L.east1.id}/phone/reveal`, { purpose: '核实客户需求' });
      expect(r.status).toBe(200);
      expect(r.body.phone).toBe('13800138001');

      const audit = await boss('GET', `/audit?leadId=${L.east1.id}&action=phone.reveal`);
      expect(audit.status).toBe(200);
      expect(audit.body.items[0]).toMatchObject({ action: 'phone.reveal', actionLabel: '查看手机号', actorUserId: 'boss-east', actorName: '华东主管', leadId: L.east1.id, leadName: '东区客户一', purpose: '核实客户需求' });
      const page = await boss('GET', `/leads/${L.east1.id}`);
      expect(page.body.timeline.map((e: any) => e.summary)).toContain('华东主管查看了完整手机号及资料（用途：核实客户需求）');
    });

    it('changes the stage along the allowed transitions, naming the member', async () => {
      expect((await boss('POST', `/leads/${L.east1.id}/stage`, { stage: 'contacted' }, false)).status).toBe(403);
      const r = await boss('POST', `/leads/${L.east1.id}/stage`, { stage: 'contacted', reason: '已电话沟通' });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ stage: 'contacted', stageLabel: '已联系' });
      expect(r.body.timeline[0].summary).toBe('阶段：新线索 → 已联系（已电话沟通）');
      const entry = await ds().getRepository(TimelineEntry).findOneByOrFail({ leadId: L.east1.id, kind: 'stage.changed' });
      expect(entry.data).toMatchObject({ by: 'boss-east' });
      const skip = await boss('POST', `/leads/${L.east1.id}/stage`, { stage: 'won' });
      expect(skip.status).toBe(409);
      expect(skip.body.message).toBe('不能从「已联系」变更为「已成交」');
      expect((await boss('POST', `/leads/${L.east1.id}/stage`, { stage: 'done' })).body.message).toBe('请选择要变更到的阶段');
      expect((await boss('POST', `/leads/${L.west.id}/stage`, { stage: 'contacted' })).status).toBe(404);
    });

    it("reassigns within the manager's teams only; the reps are told who did it and the audit log names them", async () => {
      const outside = await boss('POST', `/leads/${L.east1.id}/reassign`, { toUserId: 'rep-west', reason: '换人跟进' });
      expect(outside.status).toBe(403);
      expect(outside.body.message).toBe('只能改派给您所管理团队的成员');
      expect((await boss('POST', `/leads/${L.west.id}/reassign`, { toUserId: 'rep-east', reason: '换人跟进' })).status).toBe(404);
      expect((await boss('POST', `/leads/${L.east1.id}/reassign`, { toUserId: 'rep-east2' })).body.message).toBe('请填写改派原因');

      const r = await boss('POST', `/leads/${L.east1.id}/reassign`, { toUserId: 'rep-east2', reason: '客户要求换顾问' });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ ownerUserId: 'rep-east2', ownerName: '东区乙' });
      expect(r.body.timeline[0].summary).toBe('华东主管将线索从 rep-east 改派给 rep-east2，原因：客户要求换顾问');
      const notices = await eventually(() => {
        const sent = h.sim.state.appMessages.items.filter((m) => !m.deduplicated && JSON.stringify(m.content).includes('改派'));
        return sent.length >= 2 ? sent : null;
      });
      expect(notices.map((m) => JSON.stringify(m.content)).join()).toContain('华东主管将线索');

      // Nobody gets a lead who no longer serves customers: a member the sync saw disabled in WeCom.
      await makeMember(h, 'rep-gone', { name: '已停用', roles: ['rep'], status: 'disabled' });
      const gone = await admin('POST', `/leads/${L.east1.id}/reassign`, { toUserId: 'rep-gone', reason: '测试' });
      expect(gone.status).toBe(400);
      expect(gone.body.message).toBe('成员 rep-gone 已在企业微信停用或离职，不能接收线索');

      // A pool lead of the manager's team goes to one of their reps, like a claim.
      expect((await boss('POST', `/leads/${L.eastPool.id}/reassign`, { toUserId: 'rep-east', reason: '分配公海线索' })).status).toBe(200);

      const audit = await boss('GET', '/audit?action=lead.reassign');
      expect(audit.body.items.map((i: any) => [i.actorName, i.leadId, i.purpose, i.description])).toEqual([
        ['华东主管', L.eastPool.id, '分配公海线索', '从 公海 改派给 东区甲'],
        ['华东主管', L.east1.id, '客户要求换顾问', '从 东区甲 改派给 东区乙'],
      ]);
    });

    it('merges two leads the member answers for, suggesting those sharing a phone; never one of another team', async () => {
      const twin = await makeLead(ds(), { name: '东区客户一（重复）', ownerUserId: 'rep-east', phone: '13800138001' });
      const dup = await boss('GET', `/leads/${L.east1.id}/duplicates`);
      expect(ids(dup)).toEqual([twin.id]);
      expect((await boss('POST', `/leads/${twin.id}/merge`, { otherLeadId: L.west.id })).status).toBe(404);
      expect((await boss('POST', `/leads/${twin.id}/merge`, { otherLeadId: twin.id })).body.message).toBe('不能将线索与其自身合并');
      const r = await boss('POST', `/leads/${twin.id}/merge`, { otherLeadId: L.east1.id });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ keptLeadId: L.east1.id, mergedLeadId: twin.id, reason: 'phone', reasonLabel: '手机号' });
      const gone = await boss('GET', `/leads/${twin.id}`);
      expect(gone.status).toBe(409);
      expect(gone.body).toMatchObject({ error: 'lead_merged', mergedIntoId: L.east1.id });
      const kept = await boss('GET', `/leads/${L.east1.id}`);
      expect(kept.body.timeline.map((e: any) => e.summary)).toContain(`华东主管合并了重复线索 #${twin.id}（依据：手机号）`);
      const audit = await boss('GET', '/audit?action=lead.merge');
      expect(audit.body.items[0]).toMatchObject({ actorName: '华东主管', actionLabel: '合并线索', description: `线索 #${twin.id} 合并到 #${L.east1.id}（依据：手机号）` });
    });
  });

  describe('export to Excel', () => {
    const exportDone = async (api: Api, id: number) => eventually(async () => {
      const r = await api('GET', `/leads/exports/${id}`);
      return r.body.status === 'done' || r.body.status === 'failed' ? r.body : null;
    });
    const sheetOf = async (file: Buffer) => {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(file as never);
      const sheet = workbook.worksheets[0];
      const rows: string[][] = [];
      sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => String(v ?? ''))));
      return rows;
    };

    it("builds the manager's filtered leads into a masked .xlsx, with progress, audited with the filter and count", async () => {
      expect((await boss('POST', '/leads/exports', { purpose: '月度复盘' }, false)).status).toBe(403);
      expect((await boss('POST', '/leads/exports', {})).body.message).toBe('请填写导出用途（2 到 100 个字）');
      // A full number is a logged lookup of one customer, not a filter for a file.
      expect((await boss('POST', '/leads/exports', { purpose: '月度复盘', phone: '13800138001' })).status).toBe(400);

      // Out of the pool: their reps' leads (the east pool lead went to a rep above), not the other team's.
      const started = await boss('POST', '/leads/exports', { purpose: '月度复盘', inPool: false });
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ status: 'pending', total: 3, done: 0 });
      const done = await exportDone(boss, started.body.id);
      expect(done).toMatchObject({ status: 'done', total: 3, done: 3 });
      expect(done.fileSize).toBeGreaterThan(1000);

      const file = await boss('GET', `/leads/exports/${started.body.id}/file`);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      expect(file.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(done.fileName)}`);
      const rows = await sheetOf(file.body);
      expect(rows[0]).toEqual(['线索编号', '客户', '手机号', '阶段', '评分', '等级', '负责人', '渠道', '标签', '创建时间', '最近互动']);
      expect(rows.slice(1).map((r) => r[0])).toEqual([L.eastPool.id, L.east2.id, L.east1.id].map(String));
      const text = JSON.stringify(rows);
      expect(text).not.toMatch(/1380013800\d|13912345678/);
      expect(rows.find((r) => r[0] === String(L.east2.id))).toEqual(expect.arrayContaining(['138****8002', '已联系', '东区甲', '高意向']));

      const audit = await boss('GET', '/audit?action=export');
      expect(audit.body.items[0]).toMatchObject({ actorName: '华东主管', actionLabel: '导出线索', purpose: '月度复盘', description: '共 3 条；筛选：不含公海' });
      const row = await ds().getRepository(AuditLog).findOneByOrFail({ action: 'export', actorUserId: 'boss-east' });
      expect(row.detail).toEqual({ exportId: started.body.id, filter: { inPool: false }, rowCount: 3 });

      // The file is its requester's alone.
      expect((await admin('GET', `/leads/exports/${started.body.id}/file`)).status).toBe(404);
      expect((await admin('GET', `/leads/exports/${started.body.id}`)).status).toBe(404);
      expect((await boss('GET', '/leads/exports')).body.items.map((e: any) => e.id)).toEqual([started.body.id]);
    });

    it('an export of nothing is refused with the reason', async () => {
      const none = await admin('POST', '/leads/exports', { purpose: '抽查', q: '不存在的客户' });
      expect(none.status).toBe(400);
      expect(none.body.message).toBe('没有符合筛选条件的线索，无需导出');
    });

    it('a large export moves its progress along in batches and holds every row', async () => {
      const many = Array.from({ length: 1200 }, (_, i) => ({
        name: `批量客户${i}`,
        ownerUserId: 'rep-west',
        phone: `1370000${String(i).padStart(4, '0')}`,
        source: 'import',
        stage: 'new' as const,
        score: 0,
        inPool: false,
        createdAt: Date.now(),
        updatedAt: Date.now(),
      }));
      for (let i = 0; i < many.length; i += 200) await ds().getRepository(Lead).insert(many.slice(i, i + 200));
      const started = await admin('POST', '/leads/exports', { purpose: '全量备份', ownerUserId: 'rep-west' });
      expect(started.body.total).toBe(1201);
      const seen = new Set<number>();
      const done = await eventually(async () => {
        const r = await admin('GET', `/leads/exports/${started.body.id}`);
        seen.add(r.body.done);
        return r.body.status === 'done' ? r.body : null;
      }, 30_000, 5);
      expect(done.done).toBe(1201);
      const rows = await sheetOf((await admin('GET', `/leads/exports/${started.body.id}/file`)).body);
      expect(rows).toHaveLength(1202);
      expect(JSON.stringify(rows)).not.toMatch(/1370000\d{4}/);
      expect(rows[1][2]).toMatch(/^137\*{4}\d{4}$/);
      expect([...seen].every((n) => n === 0 || n === 500 || n === 1000 || n === 1201)).toBe(true);

      // One export at a time per member: a second one while the first is being built is refused.
      await ds().getRepository(LeadExport).update({ id: started.body.id }, { status: 'running' });
      const second = await admin('POST', '/leads/exports', { purpose: '再导一次' });
      expect(second.status).toBe(409);
      expect(second.body).toMatchObject({ error: 'export_running', message: '您有一个导出正在进行，请等它完成后再导出' });
      // One whose job died without a word (stuck for over half an hour) does not block the next.
      await ds().getRepository(LeadExport).update({ id: started.body.id }, { createdAt: Date.now() - 31 * 60_000 });
      const next = await admin('POST', '/leads/exports', { purpose: '再导一次', ownerUserId: 'rep-west' });
      expect(next.status).toBe(202);
      await eventually(async () => ((await admin('GET', `/leads/exports/${next.body.id}`)).body.status === 'done' ? true : null), 30_000);
    });
  });

  describe('the audit log', () => {
    it("a manager reads their teams' rows only; an admin every row, the admin token's too, by name", async () => {
      await h.admin('POST', `/api/admin/leads/${L.west.id}/phone/reveal`, { purpose: '接口核对' });
      const managers = await boss('GET', '/audit');
      expect(managers.body.items.every((i: any) => i.actorUserId === 'boss-east')).toBe(true);
      expect(managers.body.items.map((i: any) => i.leadId)).not.toContain(L.west.id);
      const admins = await admin('GET', '/audit');
      expect(admins.body.items[0]).toMatchObject({ actorUserId: 'admin', actorName: '管理员（接口令牌）', leadId: L.west.id, leadName: '西区客户', purpose: '接口核对' });
      const everyone = await admin('GET', '/audit/options');
      expect(everyone.body.people).toEqual(expect.arrayContaining([{ userId: 'op-admin', name: '运营孙' }, { userId: 'rep-west', name: '西区丙' }]));
      const options = await boss('GET', '/audit/options');
      expect(options.body.people.map((p: any) => p.name).sort()).toEqual(['东区乙', '东区甲', '华东主管'].sort());
      expect(options.body.actions.find((a: any) => a.action === 'export').label).toBe('导出线索');
      expect((await boss('GET', '/audit?action=nonsense')).status).toBe(400);
    });
  });
});

import type { EntityManager } from 'typeorm';
import { capPeriod } from '../src/wecom/simulator';
import { BUILT_IN_BUDGET_SETTINGS, type BudgetSettings } from '../src/nurture/budget/budget-settings';
import { checkPushBudget } from '../src/nurture/budget/check';
import { decidePushes, type PushDecision } from '../src/nurture/budget/decide';
import { recordSendResults, type SendResult } from '../src/nurture/budget/ledger';
import { MessageDelivery } from '../src/nurture/budget/message-delivery.entity';
import { corpPeriod, CORP_RULES, type CorpRule } from '../src/nurture/budget/periods';
import { quietHoursEnd } from '../src/nurture/budget/quiet-hours';
import { startHarness, type Harness } from './support/harness';

/**
 * The per-customer message budget (issue 11): the corp's WeCom rule across its period boundaries,
 * our own caps on top, the idempotent ledger and the admin view, on a real database with the clock
 * moved by hand.
 */

/** Milliseconds for a wall-clock time in Asia/Shanghai (UTC+8). */
const sh = (y: number, m: number, d: number, h = 0, min = 0) => Date.UTC(y, m - 1, d, h - 8, min);

/** Only the corp's rule: no caps of our own, no quiet hours, several pushes a day allowed. */
const corpOnly = (corpRule: CorpRule): BudgetSettings => ({ corpRule, monthlyCap: null, quietHours: null, onePerDay: false });

let h: Harness;
let clock = sh(2027, 1, 15, 12);
let manager: EntityManager;
let msgSeq = 0;

beforeAll(async () => {
  h = await startHarness({ simulator: { now: () => clock } });
  h.runtime.ctx.clock = () => clock;
  manager = h.runtime.ctx.dataSource.manager;
});
afterAll(async () => {
  await h?.close();
});

/** Records `status` results of fresh messages to `customer` at each of `times`. */
async function deliver(customer: string, times: number[], status: 1 | 2 | 3 = 1, extra: Partial<SendResult> = {}) {
  await recordSendResults(
    manager,
    times.map((t) => ({ msgid: `msg${++msgSeq}`, externalUserId: customer, sender: 'zhangsan', source: 'sequence:1:1', status, sentAt: t, ...extra })),
    Math.max(...times),
  );
}

const one = async (settings: BudgetSettings, customer: string, at: number): Promise<PushDecision> => (await checkPushBudget(manager, [customer], at, settings))[0];
const reasonsOf = (d: PushDecision) => (d.allowed ? [] : d.reasons.map((r) => r.reason));

describe('periods agree with the WeCom simulator', () => {
  it('corpPeriod = the simulator capPeriod for every rule, around each boundary', () => {
    const instants = [
      sh(2027, 1, 1),
      sh(2027, 1, 1) - 1,
      sh(2027, 1, 31, 23, 59),
      sh(2027, 2, 1),
      sh(2027, 2, 28, 23, 59),
      sh(2027, 3, 1),
      sh(2028, 2, 29, 12),
      sh(2027, 1, 4),
      sh(2027, 1, 4) - 1,
      sh(2027, 1, 10, 23, 59),
      Date.UTC(2027, 0, 15, 16),
      Date.UTC(2027, 0, 15, 16) - 1,
    ];
    for (const rule of CORP_RULES) for (const at of instants) expect(corpPeriod(rule, at)).toEqual(capPeriod(rule, at));
  });

  it('limits: 31 in January, 28 in February 2027, 29 in February 2028, 7 a week, 1 a day', () => {
    expect(corpPeriod('month', sh(2027, 1, 20)).limit).toBe(31);
    expect(corpPeriod('month', sh(2027, 2, 20)).limit).toBe(28);
    expect(corpPeriod('month', sh(2028, 2, 20)).limit).toBe(29);
    expect(corpPeriod('week', sh(2027, 1, 6))).toEqual({ start: sh(2027, 1, 4), end: sh(2027, 1, 11), limit: 7 });
    expect(corpPeriod('day', sh(2027, 1, 6, 23, 59))).toEqual({ start: sh(2027, 1, 6), end: sh(2027, 1, 7), limit: 1 });
    // Midnight in Shanghai is 16:00 UTC the day before.
    expect(corpPeriod('day', Date.UTC(2027, 0, 15, 16)).start).toBe(Date.UTC(2027, 0, 15, 16));
    expect(corpPeriod('day', Date.UTC(2027, 0, 15, 15, 59)).start).toBe(Date.UTC(2027, 0, 14, 16));
  });
});

describe('the corp rule, on the ledger in the database', () => {
  it('days-in-month: 31 in January, spent until 1 February 00:00 Shanghai, then 28 in February', async () => {
    const c = 'wm_month_jan';
    const jan = Array.from({ length: 31 }, (_, i) => sh(2027, 1, i + 1, 10));
    await deliver(c, jan.slice(0, 30));
    expect((await one(corpOnly('month'), c, sh(2027, 1, 31, 12))).allowed).toBe(true);
    await deliver(c, [jan[30]]);
    const spent = await one(corpOnly('month'), c, sh(2027, 1, 31, 23, 59));
    expect(spent).toEqual({ externalUserId: c, allowed: false, reasons: [{ reason: 'corp_budget_spent', until: sh(2027, 2, 1) }], retryAt: sh(2027, 2, 1) });
    expect(sh(2027, 2, 1)).toBe(Date.UTC(2027, 0, 31, 16));
    expect((await one(corpOnly('month'), c, sh(2027, 2, 1))).allowed).toBe(true);

    const f = 'wm_month_feb';
    await deliver(f, Array.from({ length: 28 }, (_, i) => sh(2027, 2, i + 1, 10)));
    expect(await one(corpOnly('month'), f, sh(2027, 2, 28, 22))).toMatchObject({ allowed: false, retryAt: sh(2027, 3, 1) });
    expect((await one(corpOnly('month'), f, sh(2027, 3, 1))).allowed).toBe(true);
  });

  it('7 per week: the week starts Monday 00:00 Shanghai (Sunday 16:00 UTC)', async () => {
    const c = 'wm_week';
    // Monday 4 January 2027 to Sunday 10 January; one push a day.
    await deliver(c, Array.from({ length: 6 }, (_, i) => sh(2027, 1, 4 + i, 10)));
    // Six in the week so far, on the Saturday: one left.
    expect((await one(corpOnly('week'), c, sh(2027, 1, 9, 12))).allowed).toBe(true);
    await deliver(c, [sh(2027, 1, 10, 10)]);
    const sunday = await one(corpOnly('week'), c, sh(2027, 1, 10, 23, 59));
    expect(sunday).toMatchObject({ allowed: false, reasons: [{ reason: 'corp_budget_spent', until: sh(2027, 1, 11) }] });
    expect(sh(2027, 1, 11)).toBe(Date.UTC(2027, 0, 10, 16));
    expect((await one(corpOnly('week'), c, sh(2027, 1, 11))).allowed).toBe(true);
  });

  it('1 per day: spent until midnight Shanghai (16:00 UTC), across a month end', async () => {
    const c = 'wm_day';
    await deliver(c, [sh(2027, 1, 31, 8)]);
    expect(await one(corpOnly('day'), c, Date.UTC(2027, 0, 31, 15, 59))).toMatchObject({ allowed: false, retryAt: Date.UTC(2027, 0, 31, 16) });
    expect((await one(corpOnly('day'), c, Date.UTC(2027, 0, 31, 16))).allowed).toBe(true);
    // The day before it was free.
    expect((await one(corpOnly('day'), c, sh(2027, 1, 30, 23))).allowed).toBe(true);
  });

  it('status 2 (not a friend) and 3 (already received another) use no budget', async () => {
    const c = 'wm_status';
    await deliver(c, [sh(2027, 3, 2, 10)], 2);
    await deliver(c, [sh(2027, 3, 2, 11)], 3);
    expect((await one(corpOnly('day'), c, sh(2027, 3, 2, 12))).allowed).toBe(true);
    await deliver(c, [sh(2027, 3, 2, 13)], 1);
    expect((await one(corpOnly('day'), c, sh(2027, 3, 2, 14))).allowed).toBe(false);
  });

  it('the same deliveries give the same remaining budget here and in the simulator', async () => {
    const c = 'wm_sim';
    const times = [sh(2027, 4, 30, 23, 30), sh(2027, 5, 1, 0, 10), sh(2027, 5, 3, 9), sh(2027, 5, 9, 23, 59), sh(2027, 5, 10)];
    await deliver(c, times);
    for (const t of times) h.sim.state.recordGroupMessageDelivery(c, t);
    for (const rule of CORP_RULES) {
      h.sim.state.setGroupMessageRule(rule);
      for (const at of [sh(2027, 4, 30, 23, 59), sh(2027, 5, 1, 1), sh(2027, 5, 9, 23, 59), sh(2027, 5, 10, 0, 1)]) {
        const sim = h.sim.state.groupMessageBudget(c, at);
        const ours = (await one(corpOnly(rule), c, at)) as PushDecision;
        expect(ours.allowed).toBe(sim.remaining > 0);
      }
    }
    h.sim.state.setGroupMessageRule('month');
  });
});

describe('the ledger', () => {
  it('recording the same send results twice changes nothing (msgid + external_userid unique)', async () => {
    const results: SendResult[] = [
      { msgid: 'idem1', externalUserId: 'wm_idem_a', leadId: 7, sender: 'zhangsan', source: 'campaign', status: 1, sentAt: sh(2027, 6, 1, 10) },
      { msgid: 'idem1', externalUserId: 'wm_idem_b', sender: 'zhangsan', source: 'campaign', status: 3 },
      { msgid: 'idem1', externalUserId: 'wm_idem_c', sender: 'zhangsan', source: 'campaign', status: 2 },
    ];
    await recordSendResults(manager, results, sh(2027, 6, 1, 11));
    await recordSendResults(manager, results, sh(2027, 6, 1, 12));
    await recordSendResults(manager, [results[0], results[0]], sh(2027, 6, 1, 13));
    const rows = await manager.getRepository(MessageDelivery).find({ where: { msgid: 'idem1' }, order: { externalUserId: 'ASC' } });
    expect(rows.map((r) => [r.externalUserId, r.status, r.leadId, r.sentAt, r.recordedAt])).toEqual([
      ['wm_idem_a', 1, 7, sh(2027, 6, 1, 10), sh(2027, 6, 1, 11)],
      ['wm_idem_b', 3, null, sh(2027, 6, 1, 11), sh(2027, 6, 1, 11)],
      ['wm_idem_c', 2, null, sh(2027, 6, 1, 11), sh(2027, 6, 1, 11)],
    ]);
    await expect(recordSendResults(manager, [{ ...results[0], msgid: 'idem2', status: 0 as never }], 1)).rejects.toThrow(/status 0/);
  });
});

describe('our own caps', () => {
  const ours: BudgetSettings = { corpRule: 'month', monthlyCap: 3, quietHours: null, onePerDay: false };

  it('the per-customer monthly cap, freed when the Shanghai month ends', async () => {
    const c = 'wm_cap';
    await deliver(c, [sh(2027, 7, 1, 10), sh(2027, 7, 2, 10)]);
    expect((await one(ours, c, sh(2027, 7, 3, 10))).allowed).toBe(true);
    await deliver(c, [sh(2027, 7, 3, 10)]);
    expect(await one(ours, c, sh(2027, 7, 31, 23))).toEqual({
      externalUserId: c,
      allowed: false,
      reasons: [{ reason: 'monthly_cap', until: sh(2027, 8, 1) }],
      retryAt: sh(2027, 8, 1),
    });
    expect((await one(ours, c, sh(2027, 8, 1))).allowed).toBe(true);
  });

  it('quiet hours across midnight (21:00–09:00 Shanghai)', () => {
    const window = { start: '21:00', end: '09:00' };
    expect(quietHoursEnd(window, sh(2027, 1, 5, 20, 59))).toBeNull();
    expect(quietHoursEnd(window, sh(2027, 1, 5, 21))).toBe(sh(2027, 1, 6, 9));
    expect(quietHoursEnd(window, sh(2027, 1, 5, 23, 59))).toBe(sh(2027, 1, 6, 9));
    expect(quietHoursEnd(window, sh(2027, 1, 6, 0))).toBe(sh(2027, 1, 6, 9));
    expect(quietHoursEnd(window, sh(2027, 1, 6, 8, 59))).toBe(sh(2027, 1, 6, 9));
    expect(quietHoursEnd(window, sh(2027, 1, 6, 9))).toBeNull();
    // A window within one day, and an empty one.
    expect(quietHoursEnd({ start: '12:00', end: '13:30' }, sh(2027, 1, 6, 12, 15))).toBe(sh(2027, 1, 6, 13, 30));
    expect(quietHoursEnd({ start: '12:00', end: '13:30' }, sh(2027, 1, 6, 13, 30))).toBeNull();
    expect(quietHoursEnd({ start: '09:00', end: '09:00' }, sh(2027, 1, 6, 9))).toBeNull();
  });

  it('quiet hours hold everyone back; a budget that frees at midnight waits for the morning', async () => {
    const settings: BudgetSettings = { corpRule: 'day', monthlyCap: null, quietHours: { start: '21:00', end: '09:00' }, onePerDay: true };
    const fresh = 'wm_quiet_fresh';
    const used = 'wm_quiet_used';
    await deliver(used, [sh(2027, 8, 10, 15)]);
    const at = sh(2027, 8, 10, 22);
    const [a, b] = await checkPushBudget(manager, [fresh, used], at, settings);
    expect(a).toEqual({ externalUserId: fresh, allowed: false, reasons: [{ reason: 'quiet_hours', until: sh(2027, 8, 11, 9) }], retryAt: sh(2027, 8, 11, 9) });
    expect(reasonsOf(b)).toEqual(['quiet_hours', 'corp_budget_spent', 'pushed_today']);
    expect(b).toMatchObject({ retryAt: sh(2027, 8, 11, 9) });
    // Midnight (16:00 UTC) is still quiet; 09:00 is not.
    expect(reasonsOf(await one(settings, used, sh(2027, 8, 11, 0, 1)))).toEqual(['quiet_hours']);
    expect((await one(settings, used, sh(2027, 8, 11, 9))).allowed).toBe(true);
  });

  it('at most one push per customer per Shanghai day, whatever sent it', async () => {
    const settings: BudgetSettings = { ...corpOnly('month'), onePerDay: true };
    const c = 'wm_daily';
    await deliver(c, [sh(2027, 9, 1, 10)], 1, { source: 'sequence:2:1' });
    const d = await one(settings, c, sh(2027, 9, 1, 15));
    expect(d).toEqual({ externalUserId: c, allowed: false, reasons: [{ reason: 'pushed_today', until: sh(2027, 9, 2) }], retryAt: sh(2027, 9, 2) });
    expect((await one(settings, c, sh(2027, 9, 1, 23, 59) + 59_999)).allowed).toBe(false);
    expect((await one(settings, c, sh(2027, 9, 2))).allowed).toBe(true);
    // Status 3 that day does not count as a push.
    const other = 'wm_daily_3';
    await deliver(other, [sh(2027, 9, 1, 10)], 3);
    expect((await one(settings, other, sh(2027, 9, 1, 15))).allowed).toBe(true);
  });

  it('decidePushes is pure: rows in, one decision per distinct customer out', () => {
    const rows = [{ externalUserId: 'x', sentAt: sh(2027, 1, 1, 10) }];
    const decisions = decidePushes(BUILT_IN_BUDGET_SETTINGS, rows, ['x', 'y', 'x'], sh(2027, 1, 1, 12));
    expect(decisions.map((d) => [d.externalUserId, d.allowed])).toEqual([
      ['x', false],
      ['y', true],
    ]);
  });
});

describe('the admin budget view', () => {
  it('per customer: used and remaining this period and this month, paginated, filtered; settings overridable', async () => {
    clock = sh(2027, 11, 20, 12);
    await deliver('wm_view_a', [sh(2027, 11, 2, 10), sh(2027, 11, 19, 10), sh(2027, 10, 31, 10)], 1, { leadId: 41 });
    await deliver('wm_view_a', [sh(2027, 11, 19, 11)], 3, { leadId: 41 });
    await deliver('wm_view_b', [sh(2027, 11, 20, 9)]);

    const settings = await h.admin('PUT', '/api/admin/nurture/budget/settings', { corpRule: 'week', monthlyCap: 5 });
    expect(settings.status).toBe(200);
    expect(settings.body).toEqual({ corpRule: 'week', monthlyCap: 5, quietHours: { start: '21:00', end: '09:00' }, onePerDay: true });
    expect((await h.admin('PUT', '/api/admin/nurture/budget/settings', { corpRule: 'fortnight' })).status).toBe(400);

    const a = await h.admin('GET', '/api/admin/nurture/budget?externalUserId=wm_view_a');
    expect(a.status).toBe(200);
    expect(a.body).toEqual({
      at: new Date(clock).toISOString(),
      items: [
        {
          externalUserId: 'wm_view_a',
          leadId: 41,
          // Saturday 20 November 2027: the week began Monday the 15th.
          corp: { rule: 'week', periodStart: new Date(sh(2027, 11, 15)).toISOString(), periodEnd: new Date(sh(2027, 11, 22)).toISOString(), limit: 7, used: 1, remaining: 6 },
          month: { start: new Date(sh(2027, 11, 1)).toISOString(), end: new Date(sh(2027, 12, 1)).toISOString(), used: 2, cap: 5, remaining: 3 },
          today: { used: 0, onePerDay: true },
          lastSentAt: new Date(sh(2027, 11, 19, 10)).toISOString(),
          inFlight: 0,
        },
      ],
      nextCursor: null,
    });
    expect((await h.admin('GET', '/api/admin/nurture/budget?leadId=41')).body.items.map((i: { externalUserId: string }) => i.externalUserId)).toEqual(['wm_view_a']);

    // Every customer, two a page, each once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await h.admin('GET', `/api/admin/nurture/budget?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((i: { externalUserId: string }) => i.externalUserId));
      cursor = page.body.nextCursor;
    } while (cursor);
    const distinct = await manager.getRepository(MessageDelivery).createQueryBuilder('d').select('COUNT(DISTINCT d.external_userid)', 'n').getRawOne<{ n: string | number }>();
    expect(seen.length).toBe(Number(distinct!.n));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain('wm_view_b');

    expect((await h.admin('GET', '/api/admin/nurture/budget?cursor=bogus')).status).toBe(400);
    const anonymous = await fetch(`${h.url}/api/admin/nurture/budget`);
    expect(anonymous.status).toBe(401);
    await h.admin('PUT', '/api/admin/nurture/budget/settings', BUILT_IN_BUDGET_SETTINGS);
    expect((await h.admin('GET', '/api/admin/nurture/budget/settings')).body).toEqual(BUILT_IN_BUDGET_SETTINGS);
  });
});

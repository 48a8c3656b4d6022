import type http from 'node:http';
import type { WecomSimulator } from '../../src/wecom/simulator';
import { openLoop, postAdd, PreparedAdd } from '../../../scripts/bench/lib/load';
import { adminCall, DbProbe, sleep, waitFor } from '../../../scripts/bench/lib/service';

/** Shared by the fault tests: MySQL gating, waiting for quiet queues, and the exactly-once checks. */

export const mysqlUrl = process.env.TEST_MYSQL_URL;

/** MariaDB cases run only with TEST_MYSQL_URL (CI sets mysql://root@127.0.0.1:3306/test). */
export function describeMysql(name: string, body: () => void): void {
  if (mysqlUrl) describe(name, body);
  else describe.skip(`${name} [SKIPPED: TEST_MYSQL_URL is not set; e.g. TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test npm run test:faults]`, body);
}

/** The database kinds to run a case on: SQLite always, MariaDB when TEST_MYSQL_URL is set. */
export const dbKinds: Array<'sqlite' | 'mysql'> = mysqlUrl ? ['sqlite', 'mysql'] : ['sqlite'];

export async function count(probe: DbProbe, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await probe.query<{ n: number }>(sql, params))[0].n);
}

/** Until nothing is pending in the inbox, the welcomes (on inbox rows) or the job queue. */
export async function settled(probe: DbProbe, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () =>
      (await count(
        probe,
        `SELECT (SELECT COUNT(*) FROM inbox_event WHERE status = 'pending') + (SELECT COUNT(*) FROM inbox_event WHERE welcome_status = 'pending')
           + (SELECT COUNT(*) FROM job WHERE status = 'pending') AS n`,
      )) === 0,
    timeoutMs,
    200,
    'queues settled',
  );
}

export const CHANNEL_TAGS = ['故障演练', '双十一'];

export async function createChannel(serviceUrl: string, userIds: string[]): Promise<{ id: number; state: string }> {
  const r = await adminCall(serviceUrl, 'POST', '/api/admin/channels', { name: '故障演练渠道', userIds, tags: CHANNEL_TAGS, welcomeText: '欢迎！这是故障演练。' });
  if (r.status !== 201) throw new Error(`channel not created: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Delivers each add until it gets a 200, as WeCom keeps retrying (bounded: `rounds`), at most
 * `rate` per second so a catch-up does not turn into a burst of its own.
 */
export async function deliverUntilAcked(agent: http.Agent, adds: PreparedAdd[], rate = 60, rounds = 5): Promise<void> {
  let open = adds;
  for (let round = 0; round < rounds && open.length; round++) {
    const batch = open;
    const results = new Map<PreparedAdd, number>();
    await openLoop({
      rate,
      seconds: batch.length / rate,
      drainMs: 15_000,
      send: async (i) => results.set(batch[i], (await postAdd(agent, batch[i], 10_000)).status),
    });
    open = batch.filter((add) => results.get(add) !== 200);
    if (open.length) await sleep(500);
  }
  if (open.length) throw new Error(`${open.length} callbacks never acknowledged`);
}

/**
 * WeCom's welcome code lives 20 s from the add. A callback first acknowledged later than this
 * (the service was down, or killed, and WeCom had to retry) may find its code spent: such an
 * add is not owed a welcome, but its lead must say the welcome expired, so the rep greets them.
 */
const WELCOME_OWED_IF_ACKED_WITHIN_MS = 15_000;

export interface Outcome {
  leads: number;
  missingLeads: string[];
  welcomes: number;
  duplicateWelcomeCodes: string[];
  /** Adds acknowledged in good time that got no welcome. */
  missingWelcomes: string[];
  /** Adds acknowledged too late for their code, that got no welcome (expected after an outage). */
  expiredWelcomes: string[];
  /** Of those, the ones whose lead does not say so on its timeline. */
  expiredWithoutTimeline: string[];
  markTagSuccesses: Map<string, number>;
  noticesPerLead: Map<number, number>;
  deadJobs: Array<{ kind: string; last_error: string }>;
  deadInbox: number;
}

/** What the adds left behind, in the database and at the simulated WeCom. */
export async function outcome(probe: DbProbe, sim: WecomSimulator, adds: PreparedAdd[]): Promise<Outcome> {
  const leads = await probe.query<{ id: number; external_user_id: string }>(`SELECT id, external_user_id FROM lead`);
  const byExternal = new Map(leads.map((l) => [l.external_user_id, Number(l.id)]));
  const codeCounts = new Map<string, number>();
  for (const w of sim.state.welcomeMessages) codeCounts.set(w.welcome_code, (codeCounts.get(w.welcome_code) ?? 0) + 1);
  const markTagSuccesses = new Map<string, number>();
  for (const c of sim.successfulCalls('externalcontact/mark_tag')) {
    const ext = (c.body as { external_userid: string }).external_userid;
    markTagSuccesses.set(ext, (markTagSuccesses.get(ext) ?? 0) + 1);
  }
  const late = (a: PreparedAdd) => a.ackedAt === undefined || a.ackedAt - a.issuedAt > WELCOME_OWED_IF_ACKED_WITHIN_MS;
  const lateCodes = new Set(adds.filter(late).map((a) => a.welcomeCode));
  const unwelcomed = adds.filter((a) => !codeCounts.has(a.welcomeCode));
  const expired = unwelcomed.filter(late);
  const expiryNoted = new Set((await probe.query<{ lead_id: number }>(`SELECT lead_id FROM timeline_entry WHERE kind = 'welcome.expired'`)).map((r) => Number(r.lead_id)));
  const deadJobs = await probe.query<{ kind: string; last_error: string; dedup_key: string }>(`SELECT kind, last_error, dedup_key FROM job WHERE status = 'dead'`);
  // Welcomes live on their add's inbox row.
  const deadWelcomes = await probe.query<{ welcome_code: string; welcome_last_error: string }>(`SELECT welcome_code, welcome_last_error FROM inbox_event WHERE welcome_status = 'dead'`);
  deadJobs.push(...deadWelcomes.map((w) => ({ kind: 'welcome', last_error: w.welcome_last_error, dedup_key: `welcome:${w.welcome_code}` })));
  const noticesPerLead = new Map<number, number>();
  for (const m of sim.state.appMessages.items) {
    if (m.deduplicated) continue;
    const match = /#(\d+)/.exec(JSON.stringify(m.content));
    if (match) noticesPerLead.set(Number(match[1]), (noticesPerLead.get(Number(match[1])) ?? 0) + 1);
  }
  return {
    leads: leads.length,
    missingLeads: adds.filter((a) => !byExternal.has(a.externalUserId)).map((a) => a.externalUserId),
    welcomes: sim.state.welcomeMessages.length,
    duplicateWelcomeCodes: [...codeCounts].filter(([, n]) => n > 1).map(([code]) => code),
    missingWelcomes: unwelcomed.filter((a) => !late(a)).map((a) => a.externalUserId),
    expiredWelcomes: expired.map((a) => a.externalUserId),
    expiredWithoutTimeline: expired.filter((a) => !expiryNoted.has(byExternal.get(a.externalUserId) ?? -1)).map((a) => a.externalUserId),
    markTagSuccesses,
    noticesPerLead,
    // A late add's welcome job is dead-lettered as expired, by design: not a failure.
    deadJobs: deadJobs.filter((j) => !(j.kind === 'welcome' && /welcome code expired/.test(j.last_error) && lateCodes.has(j.dedup_key.replace(/^welcome:/, '')))).map(({ kind, last_error }) => ({ kind, last_error })),
    deadInbox: await count(probe, `SELECT COUNT(*) AS n FROM inbox_event WHERE status = 'dead'`),
  };
}

/**
 * What every fault test asserts of its adds: each became exactly one lead; every welcome owed
 * was sent once (a late one may have expired, then noted on its lead); nothing is dead.
 */
export function expectEachAddCapturedOnce(o: Outcome, addCount: number): void {
  expect(o.missingLeads).toEqual([]);
  expect(o.leads).toBe(addCount);
  expect(o.missingWelcomes).toEqual([]);
  expect(o.expiredWithoutTimeline).toEqual([]);
  expect(o.duplicateWelcomeCodes).toEqual([]);
  expect(o.deadJobs).toEqual([]);
  expect(o.deadInbox).toBe(0);
}

/**
 * Stored atomically: every stored add_external_contact with a welcome code carries its welcome
 * (same row, same INSERT at intake), and no welcome exists apart from its event (no welcome job
 * rows any more). Returns what is unmatched.
 */
export async function halfWritten(probe: DbProbe): Promise<{ inboxWithoutWelcome: string[]; welcomeWithoutInbox: string[] }> {
  const inbox = await probe.query<{ payload: string; welcome_code: string | null; welcome_status: string | null }>(
    `SELECT payload, welcome_code, welcome_status FROM inbox_event WHERE kind = 'contact.added'`,
  );
  const jobs = await probe.query<{ dedup_key: string }>(`SELECT dedup_key FROM job WHERE kind = 'welcome'`);
  return {
    inboxWithoutWelcome: inbox
      .filter((r) => {
        const code = (JSON.parse(r.payload) as { welcomeCode?: string }).welcomeCode;
        return !!code && (r.welcome_code !== code || r.welcome_status === null);
      })
      .map((r) => (JSON.parse(r.payload) as { welcomeCode: string }).welcomeCode),
    welcomeWithoutInbox: jobs.map((j) => j.dedup_key.replace(/^welcome:/, '')),
  };
}

import { fmt, get, keepAliveAgent, summarize } from './lib/load';
import { machineLine, table, today, writeSection } from './lib/report';
import { ADMIN_TOKEN, createDatabase, openProbe, startService, withDatabase } from './lib/service';
import { repId, seedLeads, TAG_NAMES } from './seed-leads';
import type { BenchArgs } from './run';

/**
 * Scenario 3, rep/admin read API at scale: lead list (newest first, with and without filters, and
 * with cursors deep into the list) and lead detail, on MariaDB seeded with `--leads` leads
 * (default 1,000,000). `--reuse=DBNAME` measures an already seeded database (no seeding, no drop);
 * `--keep` keeps the seeded database for a later `--reuse`.
 */
export async function benchList(args: BenchArgs): Promise<void> {
  const target = args.leads ?? 1_000_000;
  const db = args.reuse
    ? { kind: 'mysql' as const, name: args.reuse, url: withDatabase(args.mysqlUrl, args.reuse), drop: async () => undefined }
    : await createDatabase('mysql', args.mysqlUrl);
  let seedNote = `reused database \`${args.reuse}\``;
  if (!args.reuse) {
    const seeded = await seedLeads(db.url, target).catch(async (error) => {
      await db.drop();
      throw error;
    });
    seedNote = `seeded ${seeded.leads.toLocaleString('en')} leads (${Object.entries(seeded.rows).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ')}) in ${fmt(seeded.seconds, 0)} s with \`scripts/bench/seed-leads.ts\``;
    if (args.keep) console.log(`kept database ${db.name}; next time: npm run bench -- list --reuse=${db.name}`);
  }
  // The service never calls WeCom on these reads; the API base only has to be a valid URL.
  const service = await startService({ databaseUrl: db.url, apiBase: 'http://127.0.0.1:9', instanceId: 'bench-list', env: { ROLE: 'web' } });
  const probe = await openProbe(db.url);
  try {
    const [{ n: leadCount, maxId, minId }] = await probe.query<{ n: number; maxId: number; minId: number }>('SELECT COUNT(*) AS n, MAX(id) AS maxId, MIN(id) AS minId FROM `lead`');
    const busyChannel = (await probe.query<{ channel_id: number }>('SELECT channel_id FROM `lead` WHERE channel_id IS NOT NULL GROUP BY channel_id ORDER BY COUNT(*) DESC LIMIT 1'))[0].channel_id;
    const quietChannel = (await probe.query<{ channel_id: number }>('SELECT channel_id FROM `lead` WHERE channel_id IS NOT NULL GROUP BY channel_id ORDER BY COUNT(*) ASC LIMIT 1'))[0].channel_id;
    const agent = keepAliveAgent(8);
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const cursor = (id: number) => Buffer.from(`l:${id}`).toString('base64url');
    const span = Number(maxId) - Number(minId);
    let seed = 1;
    const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const cases: Array<{ name: string; path: () => string }> = [
      { name: 'list, first page, no filter', path: () => '/api/admin/leads?limit=50' },
      { name: 'list, cursor deep (random position)', path: () => `/api/admin/leads?limit=50&cursor=${cursor(Number(minId) + Math.floor(rand() * span))}` },
      { name: 'list, cursor at the oldest 1%', path: () => `/api/admin/leads?limit=50&cursor=${cursor(Number(minId) + Math.floor(rand() * span * 0.01) + 50)}` },
      { name: `list, channel filter (largest channel)`, path: () => `/api/admin/leads?limit=50&channelId=${busyChannel}` },
      { name: `list, channel filter + deep cursor`, path: () => `/api/admin/leads?limit=50&channelId=${busyChannel}&cursor=${cursor(Number(minId) + Math.floor(rand() * span))}` },
      { name: `list, channel filter (smallest channel)`, path: () => `/api/admin/leads?limit=50&channelId=${quietChannel}` },
      { name: 'list, owner filter', path: () => `/api/admin/leads?limit=50&ownerUserId=${repId(Math.floor(rand() * 200))}` },
      { name: 'list, owner filter + deep cursor', path: () => `/api/admin/leads?limit=50&ownerUserId=${repId(Math.floor(rand() * 200))}&cursor=${cursor(Number(minId) + Math.floor(rand() * span))}` },
      { name: 'list, common tag filter', path: () => `/api/admin/leads?limit=50&tag=${encodeURIComponent(TAG_NAMES[Math.floor(rand() * 5)])}` },
      { name: 'list, rare tag filter', path: () => `/api/admin/leads?limit=50&tag=${encodeURIComponent(TAG_NAMES[5 + Math.floor(rand() * 45)])}` },
      { name: 'list, rare tag + deep cursor', path: () => `/api/admin/leads?limit=50&tag=${encodeURIComponent(TAG_NAMES[5 + Math.floor(rand() * 45)])}&cursor=${cursor(Number(minId) + Math.floor(rand() * span))}` },
      { name: 'detail (random lead)', path: () => `/api/admin/leads/${Number(minId) + Math.floor(rand() * span)}` },
    ];
    const requests = 200;
    const rows: Array<Array<string | number>> = [];
    for (const c of cases) {
      for (let i = 0; i < 10; i++) await get(agent, `${service.url}${c.path()}`, headers); // warm-up
      const ms: number[] = [];
      let errors = 0;
      let items = 0;
      // Bounded: `requests` sequential calls, each with a 10 s timeout.
      for (let i = 0; i < requests; i++) {
        const r = await get(agent, `${service.url}${c.path()}`, headers);
        if (r.status !== 200) errors++;
        else {
          ms.push(r.ms);
          const body = JSON.parse(r.body) as { items?: unknown[] };
          items += body.items?.length ?? 1;
        }
      }
      const s = summarize(ms);
      console.log(JSON.stringify({ case: c.name, ...s, errors }));
      rows.push([c.name, fmt(s.p50, 1), fmt(s.p95, 1), fmt(s.p99, 1), fmt(s.max, 1), fmt(items / Math.max(1, ms.length), 0), errors]);
    }
    // A few reps at once: 4 concurrent clients on the unfiltered and owner lists.
    const concurrent: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 100; i++) {
          const path = i % 2 ? cases[6].path() : cases[1].path();
          const r = await get(agent, `${service.url}${path}`, headers);
          if (r.status === 200) concurrent.push(r.ms);
        }
      }),
    );
    const cs = summarize(concurrent);
    const rps = concurrent.length / ((performance.now() - t0) / 1000);
    writeSection(
      'list-mysql',
      [
        '### Lead list and detail at scale, MariaDB',
        '',
        `Run ${today()} with \`npm run bench -- list\`: ${seedNote}; ${Number(leadCount).toLocaleString('en')} leads in the database. Service with ROLE=web; ${requests} sequential requests per case after 10 warm-up requests, limit=50. ${await machineLine(args.mysqlUrl)}.`,
        '',
        table(['request', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'items/page', 'errors'], rows),
        '',
        `4 concurrent clients (deep-cursor list and owner list alternating): p50 ${fmt(cs.p50)} ms, p95 ${fmt(cs.p95)} ms, ${fmt(rps, 0)} requests/s.`,
      ].join('\n'),
    );
  } finally {
    await service.stop();
    await probe.close();
    if (!args.reuse && !args.keep) await db.drop();
  }
}

import { driverFor, fmt, keepAliveAgent, openLoop, postSealed, PostResult, prepareAdd, startSimulator, summarize } from './lib/load';
import { comparisonFlags, headLabel } from './lib/baseline';
import { machineLine, table, today, writeSection } from './lib/report';
import { adminCall, createDatabase, openProbe, queueCounter, ServiceProcess, sleep, startService } from './lib/service';
import type { BenchArgs } from './run';

const REPS = ['rep01', 'rep02', 'rep03', 'rep04', 'rep05'];
const TAGS = ['爆款活动', '2026春季'];

/**
 * Scenario 2, burst end to end: N adds through one channel within 50 s (default 10,000, i.e. 200/s),
 * 30% of them delivered twice (WeCom's retry: the identical request again, 0.5–2 s later).
 * Measures when every lead exists with its tags and welcome, the callback → send_welcome_msg delay,
 * and the service's peak RSS; samples the queues to see which one backs up.
 */
export async function benchBurst(args: BenchArgs): Promise<void> {
  const label = `${args.db}${args.split ? '-split' : ''}`;
  const title = `Burst end to end, ${args.db === 'mysql' ? 'MariaDB' : 'SQLite'}${args.split ? ', web and worker processes' : ''}`;
  const command = `npm run bench -- burst --db=${args.db}${args.split ? ' --split' : ''}`;
  if (!args.baseline) {
    const run = await runBurst(args, args.build?.mainJs);
    writeSection(`burst-${label}`, [`### ${title}`, '', `Run ${today()} with \`${command}${comparisonFlags(args)}\`: ${run.how}`, '', ...run.markdown].join('\n'));
    return;
  }
  // Baseline first, then this build, in one invocation: the same machine, minutes apart.
  const before = await runBurst(args, args.baseline.mainJs);
  const after = await runBurst(args, args.build?.mainJs);
  // With --build "this build" is some commit, not this checkout: only the comparison is written.
  if (!args.build) writeSection(`burst-${label}`, [`### ${title}`, '', `Run ${today()} with \`${command}${comparisonFlags(args)}\` (build ${headLabel(args.build)}): ${after.how}`, '', ...after.markdown].join('\n'));
  writeSection(
    `burst-${label}-vs-baseline`,
    [
      `### ${title}: this build and a baseline, one after the other`,
      '',
      `Run ${today()} with \`${command}${comparisonFlags(args)}\`: \`baseline\` = commit ${args.baseline.sha.slice(0, 12)} (run first), \`this build\` = ${headLabel(args.build)} (run second). ${after.how}`,
      '',
      table(
        ['measure', 'baseline', 'this build'],
        after.measures.map(([measure, value], i) => [measure, before.measures[i][1], value]),
      ),
    ].join('\n'),
  );
}

interface BurstRun {
  /** The setup and machine line, for the block's first paragraph. */
  how: string;
  measures: Array<[string, string]>;
  /** The measures table and the queue samples. */
  markdown: string[];
}

/** One burst against a fresh database and simulator, with this build or `mainJs`'s. */
async function runBurst(args: BenchArgs, mainJs?: string): Promise<BurstRun> {
  const total = args.adds ?? 10_000;
  const seconds = args.seconds ?? 50;
  const rate = total / seconds;
  const db = await createDatabase(args.db, args.mysqlUrl);
  const sim = await startSimulator(REPS);
  // --split: what README suggests for more than one core — a web process taking callbacks and a
  // worker process doing the work, on one database. Callbacks and admin calls go to the first.
  const roles = args.split ? (['web', 'worker'] as const) : (['all'] as const);
  const processes: ServiceProcess[] = [];
  try {
    for (const role of roles) {
      processes.push(await startService({ databaseUrl: db.url, apiBase: sim.baseUrl, instanceId: `bench-burst-${role === 'all' ? args.db : role}`, env: { ROLE: role }, mainJs, tallyStatements: true }));
    }
  } catch (error) {
    // One started, the next did not: stop what runs before giving up.
    await Promise.all(processes.map((p) => p.stop()));
    await sim.close();
    await db.drop();
    throw error;
  }
  const service = {
    url: processes[0].url,
    alive: () => processes.every((p) => p.alive()),
    cpuSeconds: () => processes.reduce((sum, p) => sum + p.cpuSeconds(), 0),
    memory: () => {
      const each = processes.map((p) => p.memory());
      return { rssKb: each.reduce((sum, m) => sum + m.rssKb, 0), hwmKb: each.reduce((sum, m) => sum + m.hwmKb, 0) };
    },
    stop: () => Promise.all(processes.map((p) => p.stop())),
    /** SQL statements all processes have sent, by first keyword. */
    statements: async () => {
      const sum: Record<string, number> = {};
      const shapes: Record<string, number> = {};
      for (const p of processes) {
        for (const [verb, n] of Object.entries(await p.statementTally())) {
          if (verb === '_shapes') for (const [shape, k] of Object.entries(n as unknown as Record<string, number>)) shapes[shape] = (shapes[shape] ?? 0) + k;
          else sum[verb] = (sum[verb] ?? 0) + n;
        }
      }
      return { verbs: sum, shapes };
    },
  };
  const label = `${args.db}${args.split ? '-split' : ''}${mainJs && mainJs === args.baseline?.mainJs ? ' (baseline)' : ''}`;
  const topology = args.split ? 'two processes on one database: ROLE=web (callbacks) and ROLE=worker (default settings); RSS and CPU are the sum of both' : 'one process, default settings (WORKER_CONCURRENCY=8, welcome lane 32)';
  const probe = await openProbe(db.url);
  const count = async (sql: string, params: unknown[] = []) => Number((await probe.query<{ n: number }>(sql, params))[0].n);
  // Welcomes are counted where the build keeps them (inbox rows now, job rows in older builds).
  const queues = await queueCounter(probe);
  try {
    const channel = (await adminCall(service.url, 'POST', '/api/admin/channels', { name: '爆款直播间', userIds: REPS, tags: TAGS, welcomeText: '感谢关注！回复「福利」领取活动礼包。' })).body;
    if (!channel?.state) throw new Error(`could not create the channel: ${JSON.stringify(channel)}`);
    const driver = driverFor(sim, service.url);
    const agent = keepAliveAgent(512);
    const sentAt = new Map<string, number>();
    const retries: Array<Promise<PostResult>> = [];
    const rssSamples: number[] = [];
    const queueSamples: Array<{ t: number; inbox: number; welcome: number; general: number; leads: number }> = [];
    const memTimer = setInterval(() => {
      if (service.alive()) rssSamples.push(service.memory().rssKb);
    }, 250);
    const t0 = Date.now();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [inbox, welcome, general, leads] = await Promise.all([queues.inbox(), queues.welcomes(), queues.otherJobs(), count(`SELECT COUNT(*) AS n FROM \`lead\``)]);
        queueSamples.push({ t: Date.now() - t0, inbox, welcome, general, leads });
        await sleep(2000);
      }
    })();

    const cpu0 = service.cpuSeconds();
    const statements0 = await service.statements();
    const run = await openLoop({
      rate,
      seconds,
      maxInFlight: 3000,
      drainMs: 20_000,
      send: async (i) => {
        const add = prepareAdd(sim, driver, { userId: REPS[i % REPS.length], state: channel.state, index: i });
        sentAt.set(add.welcomeCode, Date.now());
        const first = await postSealed(agent, add.sealed, 10_000);
        if (i % 10 < 3) {
          retries.push(sleep(500 + ((i * 7919) % 1500)).then(() => postSealed(agent, add.sealed, 10_000)));
        }
        return first;
      },
    });
    const retried = await Promise.all(retries);
    const sendDoneMs = Date.now() - t0;

    // Done = every lead captured, tagged (both tags recorded after mark_tag), and welcomed.
    const deadline = Date.now() + (args.keep ? 600_000 : 300_000);
    let leadsAt: number | null = null;
    let doneAt: number | null = null;
    while (Date.now() < deadline) {
      const leads = await count(`SELECT COUNT(*) AS n FROM \`lead\` WHERE channel_id = ?`, [channel.id]);
      if (leads >= total && leadsAt === null) leadsAt = Date.now() - t0;
      const tags = await count(`SELECT COUNT(*) AS n FROM lead_tag`);
      if (leads >= total && tags >= total * TAGS.length && sim.state.welcomeMessages.length >= total) {
        doneAt = Date.now() - t0;
        break;
      }
      // Every lead and tag there, nothing left to do, yet welcomes missing: they expired (SQLite
      // in a burst). Waiting out the bound would change nothing and hide the per-add costs.
      if (leads >= total && tags >= total * TAGS.length && (await queues.open()) === 0) break;
      await sleep(250);
    }
    const cpuSeconds = service.cpuSeconds() - cpu0;
    // The rest of the work (rep notices, re-scores, timeline entries) trails the leads.
    let drainedAt: number | null = null;
    while (leadsAt !== null && Date.now() < deadline) {
      const open = await queues.open();
      if (open === 0) {
        drainedAt = Date.now() - t0;
        break;
      }
      await sleep(500);
    }
    const cpuToDrainSeconds = service.cpuSeconds() - cpu0;
    const tally1 = drainedAt === null ? null : await service.statements();
    const statements1 = tally1?.verbs ?? null;
    const perAdd = (verbs: string[] | null) => {
      if (!statements1) return null;
      const n = Object.entries(statements1)
        .filter(([verb]) => verbs === null || verbs.includes(verb))
        .reduce((sum, [verb, count]) => sum + count - (statements0.verbs[verb] ?? 0), 0);
      return n / total;
    };
    if (tally1 && Object.keys(tally1.shapes).length) {
      // BENCH_TALLY_SHAPES=1: where the statements of an add go, on the console only.
      const top = Object.entries(tally1.shapes)
        .map(([shape, n]) => [shape, (n - (statements0.shapes[shape] ?? 0)) / total] as const)
        .filter(([, n]) => n >= 0.005)
        .sort((a, b) => b[1] - a[1]);
      console.log(`statements per add by shape (${label}):\n${top.map(([shape, n]) => `${n.toFixed(2).padStart(6)}  ${shape}`).join('\n')}`);
    }
    const statementsPerAdd = perAdd(null);
    sampling = false;
    await sampler;
    clearInterval(memTimer);

    const acks = run.results.filter((r) => r.status === 200);
    const ackLat = summarize(acks.map((r) => r.ms));
    const retryOk = retried.filter((r) => r.status === 200).length;
    const delays = sim.state.welcomeMessages.map((w) => w.at - (sentAt.get(w.welcome_code) ?? w.at));
    const d = summarize(delays);
    const over5 = delays.filter((x) => x > 5000).length;
    const over20 = delays.filter((x) => x > 20_000).length;
    const leadsFinal = await count(`SELECT COUNT(*) AS n FROM \`lead\` WHERE channel_id = ?`, [channel.id]);
    const dupWelcomes = sim.state.welcomeMessages.length - new Set(sim.state.welcomeMessages.map((w) => w.welcome_code)).size;
    const markTags = sim.successfulCalls('externalcontact/mark_tag').length;
    const dead = await queues.dead();
    const deadInbox = await count(`SELECT COUNT(*) AS n FROM inbox_event WHERE status = 'dead'`);
    const mem = service.memory();
    const peakRssMb = Math.max(mem.hwmKb, ...rssSamples) / 1024;
    const e2eSeconds = (doneAt ?? Date.now() - t0) / 1000;
    const result = {
      db: label,
      total,
      rate,
      acked: acks.length,
      ackErrors: run.results.length - acks.length + run.skipped,
      retries: retried.length,
      retryOk,
      ackLat,
      sendDoneMs,
      leadsAt,
      doneAt,
      leadsFinal,
      welcomes: sim.state.welcomeMessages.length,
      dupWelcomes,
      markTags,
      delays: d,
      over5,
      over20,
      dead,
      deadInbox,
      peakRssMb,
      cpuSeconds,
      drainedAt,
      cpuToDrainSeconds,
      statementsPerAdd,
    };
    console.log(JSON.stringify(result));
    const peakOf = (k: 'inbox' | 'welcome' | 'general') => Math.max(0, ...queueSamples.map((s) => s[k]));
    const timeline = queueSamples
      .filter((_, i) => i % 5 === 0)
      .map((s) => [fmt(s.t / 1000, 0), s.leads, s.inbox, s.welcome, s.general]);
    const measures: Array<[string, string]> = [
      ['callbacks acknowledged (first delivery)', `${acks.length} / ${total} (errors or skipped: ${result.ackErrors})`],
      ['repeated deliveries acknowledged', `${retryOk} / ${retried.length}`],
      ['ack latency p50 / p99 / max', `${fmt(ackLat.p50)} / ${fmt(ackLat.p99)} / ${fmt(ackLat.max)} ms`],
      ['all callbacks sent after', `${fmt(sendDoneMs / 1000)} s`],
      ['every lead exists after', leadsAt === null ? `not within the bound (${leadsFinal} leads)` : `${fmt(leadsAt / 1000)} s`],
      ['every lead tagged and welcomed after', doneAt === null ? 'not within the bound' : `${fmt(doneAt / 1000)} s`],
      ['every queued job done (notices, re-scores, timeline) after', drainedAt === null ? 'not within the bound' : `${fmt(drainedAt / 1000)} s (service CPU by then: ${fmt(cpuToDrainSeconds, 0)} s)`],
      ['end-to-end rate', `${fmt(total / e2eSeconds, 0)} leads/s (incl. tags and welcome)`],
      ['callback → send_welcome_msg p50 / p95 / p99 / max', `${fmt(d.p50, 0)} / ${fmt(d.p95, 0)} / ${fmt(d.p99, 0)} / ${fmt(d.max, 0)} ms`],
      ['welcomes later than 5 s / 20 s', `${over5} / ${over20}`],
      ['welcomes sent / duplicated', `${result.welcomes} / ${dupWelcomes}`],
      ['successful mark_tag calls', String(markTags)],
      ['dead-lettered jobs / inbox events', `${dead.map((x) => `${x.kind}: ${x.n}`).join(', ') || '0'} / ${deadInbox}`],
      ['peak RSS of the service (VmHWM)', `${fmt(peakRssMb, 0)} MB`],
      ['service CPU during the run', `${fmt(cpuSeconds, 0)} s (${fmt((cpuSeconds / e2eSeconds) * 100, 0)}% of one core)`],
      ['service CPU per add, until every job is done', drainedAt === null ? 'not within the bound' : `${fmt((cpuToDrainSeconds / total) * 1000, 1)} ms`],
      [
        'SQL statements per add, until every job is done (all / SELECT / INSERT / UPDATE / DELETE / BEGIN+COMMIT)',
        statementsPerAdd === null
          ? 'not within the bound'
          : [perAdd(null), perAdd(['SELECT']), perAdd(['INSERT']), perAdd(['UPDATE']), perAdd(['DELETE']), perAdd(['BEGIN', 'START', 'COMMIT', 'ROLLBACK'])].map((x) => fmt(x!, 1)).join(' / '),
      ],
      ['peak backlog: inbox / welcomes / other jobs', `${peakOf('inbox')} / ${peakOf('welcome')} / ${peakOf('general')}`],
    ];
    return {
      how: `${total} adds through one channel (5 reps, 2 tags, welcome text) at ${fmt(rate, 0)}/s for ${seconds} s, 30% delivered twice. Service: ${topology}. ${await machineLine(args.mysqlUrl)}.`,
      measures,
      markdown: [
        table(['measure', 'value'], measures),
        '',
        'Queue samples (every 10 s): seconds since start, leads, pending inbox events, pending welcomes, pending other jobs.',
        '',
        table(['s', 'leads', 'inbox', 'welcome', 'other jobs'], timeline),
      ],
    };
  } finally {
    await service.stop();
    await probe.close();
    await sim.close();
    if (!args.keep) await db.drop();
  }
}

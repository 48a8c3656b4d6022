import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ArchiveKeyRing } from '../../server/src/archive/keys/key-ring';
import { openChatMsg } from '../../server/src/wecom/simulator';
import { newChatId, newExternalUserId } from '../../server/src/wecom/simulator/ids';
import { driverFor, fmt, startSimulator } from './lib/load';
import { machineLine, table, today, writeSection } from './lib/report';
import { createDatabase, openProbe, queueCounter, sleep, startService } from './lib/service';
import type { BenchArgs } from './run';

/**
 * Scenario `archive` (issue 13): the chat archive reads a backlog of N archived messages (default
 * 100,000). The simulator's archive is filled in this process first (every message sealed the way
 * WeCom does: a fresh random key, RSA under the current key version, rotated halfway so both
 * versions are read), leads are seeded for its customers, and then one msgaudit_notify starts the
 * pull in the service process (`node dist/server/src/main.js`, reading the archive over HTTP with
 * ARCHIVE_SIMULATOR_URL). Measured: notify → the cursor at the last seq, messages/s, the service's
 * peak RSS and CPU (main thread vs the rest, which holds the RSA threads), what was stored (no
 * duplicates), and the jobs the messages queued. The RSA cost per message is timed apart in this
 * process on a sample, to say how much of the wall time it explains.
 */

const ARCHIVE_SECRET = 'archive-secret-for-bench-0003';
const REPS = Array.from({ length: 50 }, (_, i) => `arep${String(i + 1).padStart(2, '0')}`);
const CUSTOMERS = 5000;
const GROUPS = 50;
const CUSTOMERS_PER_GROUP = 5;
const IMAGE_BYTES = 2048;

const CUSTOMER_PLAIN = ['你好，想了解一下你们的产品', '收到，谢谢', '好的，我再看看', '这个功能支持吗？', '明白了', '我晚点回复你', '在吗？', '资料我看过了'];
const CUSTOMER_INTENT = ['这个价格能再优惠点吗', '麻烦发一份报价给我', '合同什么时候可以签', '多少钱一年？', '我们准备下单了'];
const REP_TEXT = ['您好，我是您的专属顾问', '好的，我这边帮您确认一下', '资料已经发您了，请查收', '有任何问题随时联系我', '明天给您回电话'];
const GROUP_TEXT = ['大家好，欢迎进群', '今天的直播几点开始？', '活动规则请看群公告', '已报名', '谢谢分享'];

type Kind = 'customer' | 'customer_intent' | 'rep' | 'group_customer' | 'group_rep' | 'image';
const KIND_LABEL: Record<Kind, string> = {
  customer: 'customer text, 1:1',
  customer_intent: 'customer text with an intent word (价格/报价/合同…), 1:1',
  rep: 'rep text, 1:1',
  group_customer: 'customer text in a group',
  group_rep: 'rep text in a group',
  image: 'customer image, 1:1 (2 KB)',
};

/** Small deterministic PRNG: the same mix every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** User+system CPU seconds of one thread of a process (its main thread: tid = pid). */
function threadCpuSeconds(pid: number, tid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

export async function benchArchive(args: BenchArgs): Promise<void> {
  const total = args.messages ?? 100_000;
  const boundMinutes = args.minutes ?? 120;
  const dbName = args.db === 'mysql' ? 'MariaDB' : 'SQLite';
  const command = `npm run bench -- archive --db=${args.db}${args.messages ? ` --messages=${args.messages}` : ''}${args.threads !== undefined ? ` --threads=${args.threads}` : ''}${args.minutes ? ` --minutes=${args.minutes}` : ''}`;
  const log = (s: string) => console.log(`[archive ${new Date().toISOString().slice(11, 19)}] ${s}`);

  const db = await createDatabase(args.db, args.mysqlUrl);
  const sim = await startSimulator(REPS, [ARCHIVE_SECRET]);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-archive-bench-'));
  const keysDir = path.join(tmp, 'keys');
  const mediaDir = path.join(tmp, 'media');
  fs.mkdirSync(keysDir, { mode: 0o700 });
  fs.mkdirSync(mediaDir);
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  let probe: Awaited<ReturnType<typeof openProbe>> | undefined;
  try {
    // ---- the archive: customers, groups, N messages, a key rotation halfway -------------------
    const customers = Array.from({ length: CUSTOMERS }, () => newExternalUserId());
    const ownerOf = (c: number) => REPS[c % REPS.length];
    const groups = Array.from({ length: GROUPS }, (_, g) => ({
      chatId: newChatId(),
      owner: REPS[g % REPS.length],
      customers: Array.from({ length: CUSTOMERS_PER_GROUP }, (_, k) => customers[(g * CUSTOMERS_PER_GROUP + k) % CUSTOMERS]),
    }));
    const random = rng(total);
    const kindOf = new Map<string, Kind>();
    const played: Record<Kind, number> = { customer: 0, customer_intent: 0, rep: 0, group_customer: 0, group_rep: 0, image: 0 };
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
    // Sent over the last 24 hours, oldest first (a day's backlog, e.g. after an outage or at switch-on).
    const span = 24 * 3600_000;
    const firstAt = Date.now() - span;
    const sealStarted = Date.now();
    sim.state.archive.keys.current();
    for (let i = 0; i < total; i++) {
      if (i === Math.floor(total / 2)) sim.state.archive.keys.rotate();
      const msgtime = firstAt + Math.floor((i / total) * span);
      const r = random();
      let kind: Kind;
      let msgid: string;
      if (r < 0.03) {
        const group = pick(groups);
        const fromCustomer = random() < 0.5;
        const from = fromCustomer ? pick(group.customers) : group.owner;
        const tolist = [group.owner, ...group.customers].filter((id) => id !== from);
        msgid = sim.state.archive.groupText(group.chatId, from, tolist, pick(GROUP_TEXT), { msgtime }).msgid;
        kind = fromCustomer ? 'group_customer' : 'group_rep';
      } else {
        const c = Math.floor(random() * CUSTOMERS);
        const customer = customers[c];
        const rep = ownerOf(c);
        if (r < 0.035) {
          const bytes = Buffer.alloc(IMAGE_BYTES, i % 251);
          msgid = sim.state.archive.sendImage({ from: customer, tolist: [rep] }, bytes, { msgtime }).msgid;
          kind = 'image';
        } else if (random() < 0.45) {
          msgid = sim.state.archive.repText(rep, customer, pick(REP_TEXT), { msgtime }).msgid;
          kind = 'rep';
        } else if (random() < 0.15) {
          msgid = sim.state.archive.customerText(customer, rep, pick(CUSTOMER_INTENT), { msgtime }).msgid;
          kind = 'customer_intent';
        } else {
          msgid = sim.state.archive.customerText(customer, rep, pick(CUSTOMER_PLAIN), { msgtime }).msgid;
          kind = 'customer';
        }
      }
      kindOf.set(msgid, kind);
      played[kind]++;
      if (i % 10_000 === 9_999) log(`sealed ${i + 1} messages`);
    }
    const sealSeconds = (Date.now() - sealStarted) / 1000;
    const lastSeq = sim.state.archive.lastSeq;
    const versions = sim.state.archive.keys.privateKeys();
    const perVersion = new Map<number, number>();
    for (const m of sim.state.archive.sealed) perVersion.set(m.publickey_ver, (perVersion.get(m.publickey_ver) ?? 0) + 1);
    log(`sealed ${total} messages in ${fmt(sealSeconds)} s (last seq ${lastSeq}; by key version ${[...perVersion].map(([v, n]) => `v${v}: ${n}`).join(', ')})`);
    for (const { version, pem } of versions) fs.writeFileSync(path.join(keysDir, `v${version}.pem`), pem, { mode: 0o600 });

    // ---- what one message costs to open, timed here on a sample (one core, this process) -----
    const ring = ArchiveKeyRing.fromPems(versions.map(({ version, pem }) => ({ version, pem, source: `simulator key v${version}` })));
    const sample = Array.from({ length: Math.min(100, total) }, (_, k) => sim.state.archive.sealed[Math.floor((k / Math.min(100, total)) * total)]);
    let t = process.hrtime.bigint();
    const randomKeys = sample.map((m) => ring.openRandomKey(m.publickey_ver, m.encrypt_random_key));
    const rsaMs = Number(process.hrtime.bigint() - t) / 1e6 / sample.length;
    t = process.hrtime.bigint();
    sample.forEach((m, k) => openChatMsg(randomKeys[k], m.encrypt_chat_msg));
    const decryptDataMs = Number(process.hrtime.bigint() - t) / 1e6 / sample.length;
    log(`per message in this process: RSA (node-forge) ${fmt(rsaMs, 2)} ms, DecryptData (simulator cipher) ${fmt(decryptDataMs, 3)} ms`);

    // ---- the service, then the leads and groups it lands the messages on ----------------------
    const env: Record<string, string> = {
      ARCHIVE_SECRET,
      ARCHIVE_SIMULATOR_URL: sim.baseUrl,
      ARCHIVE_KEYS_DIR: keysDir,
      ARCHIVE_MEDIA_DIR: mediaDir,
      // The notify starts the pull; the safety-net schedule must not start it before the leads are seeded.
      ARCHIVE_PULL_CRON: '0 0 1 1 *',
    };
    if (args.threads !== undefined) env.ARCHIVE_DECRYPT_THREADS = String(args.threads);
    const threads = args.threads ?? Math.max(1, os.cpus().length - 1);
    service = await startService({ databaseUrl: db.url, apiBase: sim.baseUrl, instanceId: `bench-archive-${args.db}`, env, startTimeoutMs: 60_000 });
    probe = await openProbe(db.url);
    const p = probe;
    const count = async (sql: string) => Number((await p.query<{ n: number }>(sql))[0].n);
    const now = Date.now();
    for (let from = 0; from < CUSTOMERS; from += 1000) {
      const ids = Array.from({ length: Math.min(1000, CUSTOMERS - from) }, (_, k) => from + k);
      // Generated values only (no quotes in them): plain literals keep the seed one statement per 1000 rows.
      await p.query(
        `INSERT INTO \`lead\` (id, external_user_id, name, owner_user_id, source, add_way, stage, score, created_at, updated_at, last_interaction_at, assigned_at) VALUES ${ids
          .map((c) => `(${c + 1}, '${customers[c]}', '存档客户${c + 1}', '${ownerOf(c)}', 'wecom', 1, 'new', 0, ${now}, ${now}, ${now}, ${now})`)
          .join(',')}`,
      );
      await p.query(`INSERT INTO lead_relation (lead_id, user_id, status, state, channel_id, add_way, added_at) VALUES ${ids.map((c) => `(${c + 1}, '${ownerOf(c)}', 'active', NULL, NULL, 1, ${now})`).join(',')}`);
    }
    await p.query(`INSERT INTO group_chat (chat_id, name, owner_user_id, member_version, status, created_at, updated_at) VALUES ${groups.map((g, k) => `('${g.chatId}', '存档测试群${k + 1}', '${g.owner}', NULL, 'active', ${now}, ${now})`).join(',')}`);
    log(`seeded ${CUSTOMERS} leads (owned by ${REPS.length} reps) and ${GROUPS} groups`);

    // ---- notify, then follow the cursor --------------------------------------------------------
    const pid = service.pid;
    const cpu0 = service.cpuSeconds();
    const mainCpu0 = threadCpuSeconds(pid, pid);
    const rssSamples: number[] = [];
    const loadSamples: number[] = [];
    const svc = service;
    const memTimer = setInterval(() => {
      if (svc.alive()) rssSamples.push(svc.memory().rssKb);
    }, 250);
    const loadTimer = setInterval(() => loadSamples.push(os.loadavg()[0]), 10_000);
    const cursor = async () => (await p.query<{ seq: number; last_error: string | null }>(`SELECT seq, last_error FROM archive_cursor WHERE name = 'default'`))[0];
    const driver = driverFor(sim, service.url);
    const t0 = Date.now();
    const notified = await driver.archiveNotify();
    if (notified.status !== 200) throw new Error(`msgaudit_notify was answered ${notified.status}`);
    const deadline = t0 + boundMinutes * 60_000;
    let seq = 0;
    let lastError: string | null = null;
    let caughtUpAt: number | null = null;
    let lastLog = 0;
    const progress: Array<[number, number, number]> = [];
    while (Date.now() < deadline && service.alive()) {
      const row = await cursor().catch(() => undefined);
      seq = Number(row?.seq ?? 0);
      lastError = row?.last_error ?? null;
      if (seq >= lastSeq) {
        caughtUpAt = Date.now();
        break;
      }
      if (Date.now() - lastLog >= 60_000) {
        lastLog = Date.now();
        const s = (Date.now() - t0) / 1000;
        progress.push([s, seq, svc.memory().rssKb / 1024]);
        log(`${fmt(s, 0)} s: seq ${seq} of ${lastSeq} (${fmt(seq / s)} messages/s), RSS ${fmt(svc.memory().rssKb / 1024, 0)} MB, load ${os.loadavg()[0].toFixed(2)}${lastError ? `, last_error: ${lastError}` : ''}`);
      }
      await sleep(1000);
    }
    const wallSeconds = ((caughtUpAt ?? Date.now()) - t0) / 1000;
    const cpuSeconds = service.alive() ? service.cpuSeconds() - cpu0 : NaN;
    const mainCpuSeconds = threadCpuSeconds(pid, pid) - mainCpu0;
    const loadAtCatchUp = os.loadavg().map((l) => l.toFixed(2)).join(' ');
    const meanLoad = loadSamples.length ? loadSamples.reduce((a, b) => a + b, 0) / loadSamples.length : os.loadavg()[0];
    const memAtEnd = service.alive() ? service.memory() : { rssKb: 0, hwmKb: 0 };
    if (!caughtUpAt) {
      // At the bound: stop the service so the counts below and the cursor agree (a batch commits
      // with its cursor move, so after the stop stored rows and seq describe the same point).
      await service.stop();
      seq = Number((await cursor().catch(() => undefined))?.seq ?? seq);
    }
    log(caughtUpAt ? `caught up: seq ${seq} after ${fmt(wallSeconds)} s` : `NOT caught up within ${boundMinutes} min: seq ${seq} of ${lastSeq}; service stopped`);

    // ---- what was stored, what it queued -------------------------------------------------------
    const stored = await count(`SELECT COUNT(*) AS n FROM chat_message`);
    const distinct = await count(`SELECT COUNT(DISTINCT msgid) AS n FROM chat_message`);
    const storedIds = new Set((await p.query<{ msgid: string }>(`SELECT msgid FROM chat_message`)).map((r) => r.msgid));
    const storedByKind: Record<Kind, number> = { customer: 0, customer_intent: 0, rep: 0, group_customer: 0, group_rep: 0, image: 0 };
    for (const id of storedIds) {
      const kind = kindOf.get(id);
      if (kind) storedByKind[kind]++;
    }
    const onLeads = await count(`SELECT COUNT(*) AS n FROM chat_message WHERE lead_id IS NOT NULL`);
    const jobRows = async () => (await p.query<{ kind: string; status: string; n: number }>(`SELECT kind, status, COUNT(*) AS n FROM job GROUP BY kind, status ORDER BY kind, status`)).map((r) => `${r.kind} ${r.status}: ${Number(r.n)}`).join(', ') || 'none';
    const jobsAtCatchUp = await jobRows();
    const queues = await queueCounter(p);
    // The jobs the messages queued (media downloads, intent tags, alerts) finish after the cursor.
    let drainedAt: number | null = null;
    const drainDeadline = Date.now() + 10 * 60_000;
    while (caughtUpAt && Date.now() < drainDeadline && service.alive()) {
      if ((await queues.open()) === 0) {
        drainedAt = Date.now();
        break;
      }
      await sleep(1000);
    }
    clearInterval(memTimer);
    clearInterval(loadTimer);
    const jobsAfter = await jobRows();
    const media = (await p.query<{ s: string; n: number }>(`SELECT media_status AS s, COUNT(*) AS n FROM chat_message WHERE media_status IS NOT NULL GROUP BY media_status`)).map((r) => `${r.s}: ${Number(r.n)}`).join(', ') || 'none';
    const intentEntries = await count(`SELECT COUNT(*) AS n FROM timeline_entry WHERE kind = 'chat.intent'`);
    const mem = service.alive() ? service.memory() : memAtEnd;
    const peakRssMb = Math.max(mem.hwmKb, ...rssSamples) / 1024;
    const doneMessages = caughtUpAt ? total : seq;
    const rate = doneMessages / wallSeconds;
    const rsaShare = (rsaMs * doneMessages) / 1000 / threads / wallSeconds;
    const result = { total, lastSeq, seq, caughtUp: caughtUpAt !== null, wallSeconds, rate, stored, distinct, storedByKind, played, peakRssMb, cpuSeconds, mainCpuSeconds, rsaMs, decryptDataMs, threads, meanLoad, jobsAtCatchUp, jobsAfter, media, intentEntries, lastError };
    console.log(JSON.stringify(result));

    const measures: Array<[string, string]> = [
      ['messages played into the archive', `${total} (seq 1–${lastSeq}; ${[...perVersion].map(([v, n]) => `key v${v}: ${n}`).join(', ')}); sealed in this process in ${fmt(sealSeconds)} s`],
      ['notify → cursor at the last seq', caughtUpAt ? `${fmt(wallSeconds)} s (${fmt(wallSeconds / 60)} min)` : `**not caught up within ${boundMinutes} min**: cursor at seq ${seq} of ${lastSeq} after ${fmt(wallSeconds)} s`],
      ['rate', `${fmt(rate, 1)} messages/s${caughtUpAt ? '' : ` (over the ${seq} read so far)`}`],
      ['stored / distinct msgid', `${stored} / ${distinct}${stored === distinct ? ' (no duplicates)' : ' (**duplicates**)'}`],
      ['stored on a lead', String(onLeads)],
      ['not stored', `${(caughtUpAt ? total : seq) - stored} (expected: none; see the mix below)`],
      ['RSA threads (ARCHIVE_DECRYPT_THREADS)', args.threads !== undefined ? String(args.threads) : `${threads} (not set: the service's default, max(1, cores − 1))`],
      ['peak RSS of the service (VmHWM)', `${fmt(peakRssMb, 0)} MB`],
      [
        caughtUpAt ? 'service CPU, notify → caught up' : 'service CPU, notify → the bound',
        `${fmt(cpuSeconds, 0)} s: main thread ${fmt(mainCpuSeconds, 0)} s (pull, DecryptData, landing, storing, jobs), other threads ${fmt(cpuSeconds - mainCpuSeconds, 0)} s (RSA threads, GC): the RSA thread(s) busy ${fmt(((cpuSeconds - mainCpuSeconds) / threads / wallSeconds) * 100, 0)}% of the wall time`,
      ],
      ['RSA (node-forge) per message, timed in the bench process', `${fmt(rsaMs, 1)} ms → ${fmt((rsaMs * doneMessages) / 1000, 0)} s of CPU for ${doneMessages} messages, ${fmt(rsaShare * 100, 0)}% of the wall time on ${threads} thread(s)`],
      ['DecryptData (simulator cipher) per message', `${fmt(decryptDataMs, 3)} ms`],
      ['main-thread CPU per message (everything but the RSA)', `${fmt((mainCpuSeconds / doneMessages) * 1000, 2)} ms`],
      [caughtUpAt ? 'jobs at catch-up (kind status: n)' : 'jobs at the bound, service stopped (kind status: n)', jobsAtCatchUp],
      ...(caughtUpAt ? [['jobs when the queue was empty', drainedAt ? `${jobsAfter} (empty ${fmt((drainedAt - caughtUpAt) / 1000)} s after catch-up)` : `${jobsAfter} (queue not empty within 10 min)`] as [string, string]] : []),
      ['media downloads', media],
      ['chat.intent timeline entries', String(intentEntries)],
      [`load average: mean of the 1-min value during the run / at ${caughtUpAt ? 'catch-up' : 'the bound'}`, `${fmt(meanLoad, 2)} / ${loadAtCatchUp}`],
    ];
    if (lastError) measures.push(['cursor last_error at the end', lastError]);
    const mix = (Object.keys(KIND_LABEL) as Kind[]).map((k) => [KIND_LABEL[k], played[k], storedByKind[k]]);
    const progressRows = progress.map(([s, q, rss]) => [fmt(s, 0), q, fmt(q / s, 1), fmt(rss, 0)]);
    writeSection(
      `archive-${args.db}`,
      [
        `### Chat archive ingestion, ${dbName}`,
        '',
        `Run ${today()} with \`${command}\`: ${total} messages between ${CUSTOMERS} customers (each a lead owned by one of ${REPS.length} reps) and ${GROUPS} groups, sent over the 24 hours before the run, sealed in the bench process with a key rotation halfway; the service (\`node dist/server/src/main.js\`, one process, LOG_LEVEL=warn) reads them through the simulator's archive over HTTP (ARCHIVE_SIMULATOR_URL) after one msgaudit_notify, 1000 per GetChatData (ARCHIVE_PULL_LIMIT's default). There is no previous version of archive ingestion to run side by side. ${await machineLine(args.mysqlUrl)}.`,
        '',
        table(['measure', 'value'], measures),
        '',
        caughtUpAt ? 'The mix: messages played and stored per kind.' : `The mix: messages played (all ${total}) and stored (of seq 1–${seq}, where the run stopped) per kind.`,
        '',
        table(['kind', 'played', caughtUpAt ? 'stored' : `stored (seq ≤ ${seq})`], mix),
        ...(progressRows.length ? ['', 'Progress (every minute): seconds since the notify, cursor seq, messages/s so far, service RSS MB.', '', table(['s', 'seq', 'msg/s', 'RSS MB'], progressRows)] : []),
      ].join('\n'),
    );
  } finally {
    await service?.stop();
    await probe?.close();
    await sim.close();
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!args.keep) await db.drop();
  }
}

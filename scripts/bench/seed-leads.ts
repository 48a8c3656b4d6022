import mysql from 'mysql2/promise';
import { openDatabase } from '../../server/src/db/data-source';
import { parseDatabaseUrl } from '../../server/src/db/url';

/**
 * Seeds a MySQL/MariaDB database with realistic lead data for the rep-API benchmark:
 * a few hundred channels and reps, and per lead one relation, 0–3 tags (skewed: a few tags are
 * very common, most are rare) and two timeline entries. Multi-row INSERTs of a few thousand rows,
 * three statements in flight, explicit ids so child rows need no look-ups.
 *
 *   node dist/scripts/bench/seed-leads.js --url=mysql://root@127.0.0.1:3306/mydb --leads=1000000
 *
 * Runs the migrations first, so an empty database works. Appends after the highest lead id.
 */

export const SEED = { channels: 300, reps: 200 };
export const TAG_NAMES = [
  ...['高意向', '已加微信', '展会', '直播间', '老客户转介绍'],
  ...Array.from({ length: 45 }, (_, i) => `标签${String(i + 1).padStart(2, '0')}`),
];
export const repId = (i: number) => `rep${String(i % SEED.reps).padStart(4, '0')}`;

/** Small deterministic PRNG: the same seed gives the same data, and it is much faster than crypto. */
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

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华';
const q = (s: string) => `'${s}'`; // generated values only: no quotes or backslashes in them

export interface SeedResult {
  leads: number;
  firstId: number;
  lastId: number;
  rows: { lead: number; lead_relation: number; lead_tag: number; timeline_entry: number };
  seconds: number;
}

export async function seedLeads(url: string, leads: number, options: { batch?: number; log?: (s: string) => void } = {}): Promise<SeedResult> {
  const log = options.log ?? ((s: string) => console.log(s));
  const batch = options.batch ?? 2500;
  const ds = await openDatabase(url);
  await ds.destroy();
  const t = parseDatabaseUrl(url);
  if (t.kind !== 'mysql') throw new Error('seed-leads is for MySQL/MariaDB');
  const pool = mysql.createPool({ host: t.host, port: t.port, user: t.username, password: t.password, database: t.database, connectionLimit: 3 });
  // Generated data is unique by construction; skipping the unique checks lets InnoDB buffer secondary index writes.
  pool.on('connection', (c) => void c.query('SET SESSION unique_checks = 0, foreign_key_checks = 0'));
  const started = Date.now();
  const now = Date.now();
  const random = rng(leads);

  const [[{ channels }]] = (await pool.query('SELECT COUNT(*) AS channels FROM channel')) as unknown as [[{ channels: number }]];
  if (Number(channels) < SEED.channels) {
    const values = Array.from({ length: SEED.channels }, (_, i) => {
      const tags = JSON.stringify([TAG_NAMES[i % 5], TAG_NAMES[5 + (i % 45)]]);
      const users = JSON.stringify([repId(i), repId(i + 1)]);
      return `(${q(`渠道${i + 1}`)}, ${q(`seed${String(i + 1).padStart(5, '0')}`)}, ${q(`cfg${i + 1}`)}, ${q(users)}, ${q(tags)}, ${q('欢迎！')}, ${now}, ${now})`;
    });
    await pool.query(`INSERT INTO channel (name, state, config_id, user_ids, tag_names, welcome_text, created_at, updated_at) VALUES ${values.join(',')}`);
  }
  const channelIds = ((await pool.query('SELECT id FROM channel ORDER BY id')) as unknown as [Array<{ id: number }>])[0].map((r) => Number(r.id));
  const [[{ maxId }]] = (await pool.query('SELECT COALESCE(MAX(id), 0) AS maxId FROM `lead`')) as unknown as [[{ maxId: number }]];
  const firstId = Number(maxId) + 1;
  const rows = { lead: 0, lead_relation: 0, lead_tag: 0, timeline_entry: 0 };

  const inFlight = new Set<Promise<unknown>>();
  const submit = async (sql: string) => {
    while (inFlight.size >= 3) await Promise.race(inFlight);
    const p = pool.query(sql).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const span = 365 * 86400_000;
  let lastLog = Date.now();
  for (let from = firstId; from < firstId + leads; from += batch) {
    const to = Math.min(firstId + leads, from + batch);
    const leadValues: string[] = [];
    const relationValues: string[] = [];
    const tagValues: string[] = [];
    const timelineValues: string[] = [];
    for (let id = from; id < to; id++) {
      // Later ids are newer, as with real traffic.
      const created = now - span + Math.floor(((id - firstId) / leads) * span);
      const channel = random() < 0.85 ? channelIds[Math.floor(random() ** 2 * channelIds.length)] : null;
      const owner = repId(Math.floor(random() * SEED.reps));
      const name = SURNAMES[Math.floor(random() * SURNAMES.length)] + GIVEN[Math.floor(random() * GIVEN.length)];
      const ext = `wmseed${id.toString(36).padStart(8, '0')}`;
      const stage = random() < 0.7 ? 'new' : random() < 0.5 ? 'contacted' : 'qualified';
      const phone = random() < 0.3 ? q(`13${String(Math.floor(random() * 1e9)).padStart(9, '0')}`) : 'NULL';
      leadValues.push(
        `(${id}, ${q(ext)}, ${q(`union${ext}`)}, ${q(name)}, ${q(`https://wx.qlogo.cn/mmhead/seed/${id}/0`)}, 1, ${Math.floor(random() * 3)}, ${phone}, ${q(owner)}, ${channel ?? 'NULL'}, 'wecom', 1, ${q(stage)}, ${Math.floor(random() * 100)}, ${created}, ${created}, ${created}, ${created})`,
      );
      relationValues.push(`(${id}, ${q(owner)}, 'active', ${channel ? q(`seed${String(channel).padStart(5, '0')}`) : 'NULL'}, ${channel ?? 'NULL'}, 1, ${created})`);
      const tagCount = Math.floor(random() * 4);
      const picked = new Set<string>();
      for (let k = 0; k < tagCount; k++) {
        // Skewed: the first five tags carry most of the volume.
        picked.add(random() < 0.6 ? TAG_NAMES[Math.floor(random() * 5)] : TAG_NAMES[5 + Math.floor(random() * 45)]);
      }
      for (const tag of picked) tagValues.push(`(${id}, ${q(tag)}, ${q(`et${tag.length}`)}, 'seed', ${created})`);
      const data = `{"userId":"${owner}","channelId":${channel ?? 'null'}}`;
      timelineValues.push(
        `(${id}, 'lead.created', ${q(`新线索：添加了成员 ${owner}，来源：渠道「渠道${channel ?? 0}」`)}, ${q(data)}, ${q(`seed:${id}:added`)}, ${created})`,
        `(${id}, 'welcome.sent', ${q(`已发送渠道「渠道${channel ?? 0}」的欢迎语`)}, ${q(`{"delayMs":${Math.floor(random() * 900)}}`)}, ${q(`seed:${id}:welcome`)}, ${created + 800})`,
      );
    }
    await submit(
      `INSERT INTO \`lead\` (id, external_user_id, unionid, name, avatar, contact_type, gender, phone, owner_user_id, channel_id, source, add_way, stage, score, created_at, updated_at, last_interaction_at, assigned_at) VALUES ${leadValues.join(',')}`,
    );
    await submit(`INSERT INTO lead_relation (lead_id, user_id, status, state, channel_id, add_way, added_at) VALUES ${relationValues.join(',')}`);
    if (tagValues.length) await submit(`INSERT INTO lead_tag (lead_id, name, tag_id, source, created_at) VALUES ${tagValues.join(',')}`);
    await submit(`INSERT INTO timeline_entry (lead_id, kind, summary, data, dedup_key, occurred_at) VALUES ${timelineValues.join(',')}`);
    rows.lead += leadValues.length;
    rows.lead_relation += relationValues.length;
    rows.lead_tag += tagValues.length;
    rows.timeline_entry += timelineValues.length;
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log(`seeded ${rows.lead} leads in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  }
  await Promise.all(inFlight);
  await pool.query('ANALYZE TABLE `lead`, lead_tag, lead_relation, timeline_entry');
  await pool.end();
  const seconds = (Date.now() - started) / 1000;
  log(`seeded ${rows.lead} leads (${JSON.stringify(rows)}) in ${seconds.toFixed(0)} s`);
  return { leads: rows.lead, firstId, lastId: firstId + leads - 1, rows, seconds };
}

if (require.main === module) {
  const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=').slice(1).join('=');
  const url = flag('url');
  if (!url) {
    console.error('usage: node dist/scripts/bench/seed-leads.js --url=mysql://user@host:3306/db [--leads=1000000] [--batch=2500]');
    process.exit(2);
  }
  seedLeads(url, Number(flag('leads') ?? 1_000_000), { batch: flag('batch') ? Number(flag('batch')) : undefined }).then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

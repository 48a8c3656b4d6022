import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ArchiveServices } from '../src/archive/archive-services';
import { ArchiveKeyRing } from '../src/archive/keys/key-ring';
import { DiskMediaStore } from '../src/archive/media/disk-media-store';
import { ArchiveOffError, ARCHIVE_MEDIA_JOB, fetchMediaJob, MediaChecksumError } from '../src/archive/media/fetch-media-job';
import { ChatMessage } from '../src/archive/messages/chat-message.entity';
import { FinanceSdkError } from '../src/archive/sdk/finance-sdk';
import { SimulatorFinanceSdk } from '../src/archive/sdk/simulator-sdk';
import type { AppContext } from '../src/context';
import { openDatabase } from '../src/db/data-source';
import { enqueueJob } from '../src/jobs/enqueue';
import { createJobWorkers } from '../src/jobs/job-worker';
import { Job } from '../src/jobs/job.entity';
import { jobHandlers } from '../src/jobs/registry';
import { silentLogger } from '../src/logger';
import { WecomClient } from '../src/wecom/client';
import { MEDIA_CHUNK_BYTES, PlayedMedia, WecomSimulator } from '../src/wecom/simulator';
import { DatabaseTokenStore } from '../src/wecom/token-store';
import { eventually, testConfig } from './support/harness';
import { createTestDatabase, TestDatabase } from './support/database';

/**
 * The archive.media job against the WeCom simulator's archive over HTTP (SimulatorFinanceSdk),
 * a real database and a media directory on disk: files in 512 KB chunks stored intact under
 * `<yyyy-mm>/<msgid>.<ext>`, the size limit (announced and counted), retryable and final SDK
 * errors, md5 checks, re-runs. The pending chat_message rows are written here directly, as
 * ingestion will write them.
 */

const CORP_ID = 'wwarchivemedia000001';
const ARCHIVE_SECRET = 'archive-secret-for-media-tests';
const rep = 'zhangsan';
const customer = 'wmCustomer00000000000000000000001';
const MEDIADATA = '/simulator/finance/mediadata';
const MARCH_15 = Date.parse('2026-03-15T10:00:00+08:00');

let db: TestDatabase;
let ds: DataSource;
let sim: WecomSimulator;
let sdk: SimulatorFinanceSdk;
let mediaDir: string;
let store: DiskMediaStore;
/** What the media job uses of ArchiveServices, built as start-up will (the decrypting parts are not needed here). */
let archive: Pick<ArchiveServices, 'sdk' | 'keys' | 'wecom' | 'media'>;

beforeAll(async () => {
  db = await createTestDatabase();
  ds = await openDatabase(db.url);
  sim = await WecomSimulator.start({ corpId: CORP_ID, secrets: [ARCHIVE_SECRET], members: [{ userid: rep }], frequencyLimits: [] });
  sdk = new SimulatorFinanceSdk({ baseUrl: sim.baseUrl, corpId: CORP_ID, secret: ARCHIVE_SECRET });
  mediaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-archive-media-'));
  store = new DiskMediaStore(mediaDir);
  archive = {
    sdk,
    keys: ArchiveKeyRing.fromPems(sim.state.archive.keys.privateKeys().map((k) => ({ version: k.version, pem: k.pem, source: `v${k.version}` }))),
    wecom: new WecomClient({ apiBase: sim.baseUrl, corpId: CORP_ID, secret: ARCHIVE_SECRET, label: 'archive', tokenStore: new DatabaseTokenStore(ds), logger: silentLogger }),
    media: store,
  };
});

afterAll(async () => {
  await sdk?.close();
  await sim?.close();
  await ds?.destroy();
  await db?.drop();
  if (mediaDir) fs.rmSync(mediaDir, { recursive: true, force: true });
});

afterEach(() => sim.faults.clear());

/** A context as a worker has it; `maxBytes` is ARCHIVE_MEDIA_MAX_BYTES. */
function contextWith(options: { maxBytes?: number; archiveOn?: boolean } = {}): AppContext {
  const config = testConfig(db.url, sim.baseUrl, { archive: { secret: ARCHIVE_SECRET, media: { store: 'disk', dir: mediaDir, maxBytes: options.maxBytes ?? 20 * 1024 * 1024 } } });
  return {
    config,
    dataSource: ds,
    logger: silentLogger,
    wecom: { contact: archive.wecom, agent: archive.wecom },
    workerId: 'test-worker',
    kick: () => undefined,
    archive: options.archiveOn === false ? undefined : (archive as ArchiveServices),
  };
}

/** The pending row ingestion writes for a media message (its body: the msgtype body as WeCom sent it). */
async function pendingRow(played: PlayedMedia, bodyChanges: Record<string, unknown> = {}): Promise<ChatMessage> {
  const m = played.message as Record<string, any>;
  const body = { ...(m[m.msgtype] as Record<string, unknown>), ...bodyChanges };
  for (const [field, value] of Object.entries(bodyChanges)) if (value === undefined) delete body[field];
  const repo = ds.getRepository(ChatMessage);
  const fromCustomer = String(m.from).startsWith('wm');
  const row = repo.create({
    msgid: played.msgid,
    seq: played.seq,
    msgtype: m.msgtype,
    senderKind: fromCustomer ? 'customer' : 'member',
    userId: fromCustomer ? m.tolist[0] : m.from,
    externalUserId: fromCustomer ? m.from : m.tolist[0],
    roomId: null,
    leadId: null,
    content: typeof body.filename === 'string' ? body.filename : null,
    body,
    mediaStatus: 'pending',
    mediaKey: null,
    mediaSize: null,
    recalledAt: null,
    sentAt: m.msgtime,
    storedAt: Date.now(),
  });
  return repo.save(row);
}

const jobFor = (messageId: number, id = 1) => Object.assign(new Job(), { id, kind: ARCHIVE_MEDIA_JOB, dedupKey: `archive.media:x${id}`, payload: { messageId } });
const run = (row: ChatMessage, ctx = contextWith()) => fetchMediaJob(jobFor(row.id), ctx);
const reload = (row: ChatMessage) => ds.getRepository(ChatMessage).findOneByOrFail({ id: row.id });
const mediaCallsFor = (sdkfileid: string) => sim.callsTo(MEDIADATA).filter((c) => (c.body as { sdkfileid?: string }).sdkfileid === sdkfileid);
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const filesIn = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length : 0);

describe('archive.media downloads and stores', () => {
  it('a file over 512 KB comes in three chunks and is stored intact under <yyyy-mm>/<msgid>.<ext>', async () => {
    const bytes = randomBytes(MEDIA_CHUNK_BYTES * 2 + 12345);
    const played = sim.state.archive.sendFile({ from: rep, tolist: [customer] }, bytes, '产品手册.PDF', { msgtime: MARCH_15 });
    const row = await pendingRow(played);
    expect(await run(row)).toBe('done');

    const stored = await reload(row);
    expect(stored).toMatchObject({ mediaStatus: 'stored', mediaKey: `2026-03/${played.msgid}.pdf`, mediaSize: bytes.length });
    const kept = (await store.get(stored.mediaKey!))!;
    expect(kept.equals(bytes)).toBe(true);
    expect(md5(kept)).toBe(played.md5sum);
    expect(fs.readFileSync(path.join(mediaDir, '2026-03', `${played.msgid}.pdf`)).equals(bytes)).toBe(true);
    // Three GetMediaData calls, each following the previous outindexbuf.
    expect(mediaCallsFor(played.sdkfileid).map((c) => (c.body as { indexbuf: string }).indexbuf)).toEqual(['', `Range:bytes=${MEDIA_CHUNK_BYTES}-`, `Range:bytes=${MEDIA_CHUNK_BYTES * 2}-`]);
  });

  it('an image, a voice note: extension by type (jpg, amr), the month in China time', async () => {
    const image = randomBytes(3000);
    // 2026-03-31 20:00 UTC is April 1st in Shanghai.
    const playedImage = sim.state.archive.sendImage({ from: customer, tolist: [rep] }, image, { msgtime: Date.parse('2026-03-31T20:00:00Z') });
    const voice = randomBytes(MEDIA_CHUNK_BYTES); // exactly one full chunk
    const playedVoice = sim.state.archive.sendVoice({ from: customer, tolist: [rep] }, voice, 9, { msgtime: MARCH_15 });
    const imageRow = await pendingRow(playedImage);
    const voiceRow = await pendingRow(playedVoice);
    expect(await run(imageRow)).toBe('done');
    expect(await run(voiceRow)).toBe('done');
    expect(await reload(imageRow)).toMatchObject({ mediaStatus: 'stored', mediaKey: `2026-04/${playedImage.msgid}.jpg`, mediaSize: 3000 });
    expect(await reload(voiceRow)).toMatchObject({ mediaStatus: 'stored', mediaKey: `2026-03/${playedVoice.msgid}.amr`, mediaSize: voice.length });
    expect((await store.get(`2026-04/${playedImage.msgid}.jpg`))!.equals(image)).toBe(true);
    expect((await store.get(`2026-03/${playedVoice.msgid}.amr`))!.equals(voice)).toBe(true);
  });

  it('a second run on a stored row is skipped: nothing downloaded or written again', async () => {
    const played = sim.state.archive.sendImage({ from: customer, tolist: [rep] }, randomBytes(2000), { msgtime: MARCH_15 });
    const row = await pendingRow(played);
    expect(await run(row)).toBe('done');
    const key = (await reload(row)).mediaKey!;
    const before = fs.statSync(path.join(mediaDir, key)).mtimeMs;
    expect(await run(row)).toBe('skipped');
    expect(mediaCallsFor(played.sdkfileid)).toHaveLength(1);
    expect(fs.statSync(path.join(mediaDir, key)).mtimeMs).toBe(before);
  });
});

describe('archive.media size limit', () => {
  it('a file announced over the limit is marked too_large without downloading (its size kept)', async () => {
    const bytes = randomBytes(200 * 1024);
    const played = sim.state.archive.sendFile({ from: customer, tolist: [rep] }, bytes, '报价.xlsx', { msgtime: MARCH_15 });
    const row = await pendingRow(played);
    const filesBefore = filesIn(mediaDir);
    expect(await run(row, contextWith({ maxBytes: 100 * 1024 }))).toBe('done');
    expect(await reload(row)).toMatchObject({ mediaStatus: 'too_large', mediaKey: null, mediaSize: bytes.length });
    expect(mediaCallsFor(played.sdkfileid)).toHaveLength(0);
    expect(filesIn(mediaDir)).toBe(filesBefore);
  });

  it('a file with no announced size (or a wrong one) stops at the chunk that passes the limit: too_large, nothing kept', async () => {
    const bytes = randomBytes(MEDIA_CHUNK_BYTES * 3);
    const silent = sim.state.archive.sendFile({ from: customer, tolist: [rep] }, bytes, '视频.mov', { msgtime: MARCH_15 });
    const lying = sim.state.archive.sendFile({ from: customer, tolist: [rep] }, bytes, '视频2.mov', { msgtime: MARCH_15 });
    const silentRow = await pendingRow(silent, { filesize: undefined });
    const lyingRow = await pendingRow(lying, { filesize: 1000 });
    const filesBefore = filesIn(mediaDir);
    const ctx = contextWith({ maxBytes: MEDIA_CHUNK_BYTES + 100 });
    expect(await run(silentRow, ctx)).toBe('done');
    expect(await run(lyingRow, ctx)).toBe('done');
    for (const [row, played] of [[silentRow, silent], [lyingRow, lying]] as const) {
      expect(await reload(row)).toMatchObject({ mediaStatus: 'too_large', mediaKey: null, mediaSize: null });
      // The second chunk passed the limit: the third was never asked for.
      expect(mediaCallsFor(played.sdkfileid)).toHaveLength(2);
    }
    expect(filesIn(mediaDir)).toBe(filesBefore);
  });
});

describe('archive.media failures', () => {
  it('a dropped connection (10001) throws so the job retries; the row stays pending, and the next run stores it', async () => {
    const bytes = randomBytes(MEDIA_CHUNK_BYTES + 10);
    const played = sim.state.archive.sendFile({ from: customer, tolist: [rep] }, bytes, 'a.zip', { msgtime: MARCH_15 });
    const row = await pendingRow(played);
    sim.faults.inject({ path: MEDIADATA, dropConnection: true });
    const error = await run(row).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FinanceSdkError);
    expect((error as FinanceSdkError).code).toBe(10001);
    expect(await reload(row)).toMatchObject({ mediaStatus: 'pending', mediaKey: null });
    expect(await run(row)).toBe('done');
    expect(await reload(row)).toMatchObject({ mediaStatus: 'stored', mediaSize: bytes.length });
    expect((await store.get(`2026-03/${played.msgid}.zip`))!.equals(bytes)).toBe(true);
  });

  it('an unknown sdkfileid (10005) is final: failed, the job done, and a re-run skipped', async () => {
    const played = sim.state.archive.sendImage({ from: customer, tolist: [rep] }, randomBytes(100), { msgtime: MARCH_15 });
    const row = await pendingRow(played, { sdkfileid: 'bm90LWEtZmlsZQ==' });
    expect(await run(row)).toBe('done');
    expect(await reload(row)).toMatchObject({ mediaStatus: 'failed', mediaKey: null });
    expect(await run(row)).toBe('skipped');
    expect(sim.callsTo(MEDIADATA).filter((c) => (c.body as { sdkfileid: string }).sdkfileid === 'bm90LWEtZmlsZQ==')).toHaveLength(1);
  });

  it('bytes that do not match md5sum throw (a retry may get them right); nothing is stored', async () => {
    const played = sim.state.archive.sendImage({ from: customer, tolist: [rep] }, randomBytes(100), { msgtime: MARCH_15 });
    const row = await pendingRow(played, { md5sum: md5(Buffer.from('something else')) });
    await expect(run(row)).rejects.toBeInstanceOf(MediaChecksumError);
    expect(await reload(row)).toMatchObject({ mediaStatus: 'pending', mediaKey: null });
    expect(await store.get(`2026-03/${played.msgid}.jpg`)).toBeNull();
    // md5sum in capitals, as some clients send it, still matches.
    const upper = sim.state.archive.sendImage({ from: customer, tolist: [rep] }, randomBytes(100), { msgtime: MARCH_15 });
    const upperRow = await pendingRow(upper, { md5sum: upper.md5sum.toUpperCase() });
    expect(await run(upperRow)).toBe('done');
    expect((await reload(upperRow)).mediaStatus).toBe('stored');
  });

  it('with the archive off in this process the job throws (to be retried or replayed), and the row stays pending', async () => {
    const played = sim.state.archive.sendImage({ from: customer, tolist: [rep] }, randomBytes(100), { msgtime: MARCH_15 });
    const row = await pendingRow(played);
    await expect(run(row, contextWith({ archiveOn: false }))).rejects.toBeInstanceOf(ArchiveOffError);
    expect((await reload(row)).mediaStatus).toBe('pending');
    expect(mediaCallsFor(played.sdkfileid)).toHaveLength(0);
  });

  it('a message that is gone is skipped; a payload without a message id is ignored', async () => {
    expect(await fetchMediaJob(jobFor(987654), contextWith())).toBe('skipped');
    const bad = Object.assign(new Job(), { id: 2, kind: ARCHIVE_MEDIA_JOB, payload: { messageId: 'x' } });
    expect(await fetchMediaJob(bad, contextWith())).toBe('ignored');
  });
});

describe('archive.media through the job worker', () => {
  it('is registered; an enqueued job whose first download is cut retries with backoff and stores the file', async () => {
    expect(jobHandlers[ARCHIVE_MEDIA_JOB]).toBe(fetchMediaJob);
    const bytes = randomBytes(MEDIA_CHUNK_BYTES + 1);
    const played = sim.state.archive.sendFile({ from: customer, tolist: [rep] }, bytes, 'contract.docx', { msgtime: MARCH_15 });
    const row = await pendingRow(played);
    await enqueueJob(ds.manager, { kind: ARCHIVE_MEDIA_JOB, dedupKey: `archive.media:${played.msgid}`, payload: { messageId: row.id } });
    sim.faults.inject({ path: MEDIADATA, dropConnection: true });
    const ctx = contextWith();
    const workers = createJobWorkers(ctx, jobHandlers, { concurrency: 1, pollMs: 20 });
    workers.general.start();
    try {
      const job = await eventually(async () => {
        const found = await ds.getRepository(Job).findOneBy({ dedupKey: `archive.media:${played.msgid}` });
        return found?.status === 'done' ? found : null;
      });
      expect(job.attempts).toBe(2);
    } finally {
      await workers.general.stop();
    }
    expect(await reload(row)).toMatchObject({ mediaStatus: 'stored', mediaKey: `2026-03/${played.msgid}.docx`, mediaSize: bytes.length });
    expect((await store.get(`2026-03/${played.msgid}.docx`))!.equals(bytes)).toBe(true);
  });
});

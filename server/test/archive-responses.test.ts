import { pullArchive } from '../src/archive/ingest/pull-archive';
import { ArchiveCursor } from '../src/archive/ingest/archive-cursor.entity';
import { applyChatRetention } from '../src/archive/messages/retention-task';
import { ChatMessage } from '../src/archive/messages/chat-message.entity';
import { alertWaitingCustomers } from '../src/archive/responses/waiting-alert-task';
import { ChatWaiting } from '../src/archive/responses/chat-waiting.entity';
import { generateArchiveKeyPem } from '../src/wecom/simulator';
import { storedMessages } from './support/archive';
import { makeLead } from './support/factories';
import { Harness, queuesSettled, startHarness } from './support/harness';

/**
 * What the archive does after storing: customers waiting too long alert their rep (once per
 * wait), rep chat response times join the stats, and content past the retention period goes,
 * files first.
 */

const rep = 'zhangsan';
const rep2 = 'lisi';
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

let h: Harness;
let customerSeq = 0;
const nextCustomer = () => `wmResponseCustomer${String(++customerSeq).padStart(14, '0')}`;

beforeAll(async () => {
  h = await startHarness({
    archive: { waitingAlertMinutes: 30, retentionDays: 90 },
    simulator: { members: [{ userid: rep }, { userid: rep2 }], archiveKeys: [{ version: 1, pem: generateArchiveKeyPem() }] },
  });
});

afterAll(async () => {
  await h?.close();
});

beforeEach(async () => {
  const ds = h.runtime.ctx.dataSource;
  for (const table of ['chat_message', 'chat_waiting', 'chat_response']) await ds.query(`DELETE FROM ${table}`);
  await ds.query('DELETE FROM archive_cursor');
  await ds.getRepository(ArchiveCursor).insert({ name: 'default', seq: h.sim.state.archive.lastSeq, updatedAt: Date.now(), lastError: null, caughtUpAt: null });
});

const alertsTo = (userId: string) =>
  h.sim.state.appMessages.items.filter((m) => m.touser.includes(userId) && String((m.content as { content?: string }).content).startsWith('【客户等待回复】'));

describe('a customer waiting for an answer', () => {
  test('alerts the rep once after ARCHIVE_WAITING_ALERT_MINUTES, with the masked first message; an answer ends the wait', async () => {
    const customer = nextCustomer();
    const lead = await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom', name: '王先生' });
    const now = Date.now();
    h.sim.state.archive.customerText(customer, rep, '我的电话是13812345678，方便回个电话吗', { msgtime: now - 40 * MIN });
    h.sim.state.archive.customerText(customer, rep, '在吗', { msgtime: now - 35 * MIN });
    await pullArchive(h.runtime.ctx);
    const before = alertsTo(rep).length;

    expect(await alertWaitingCustomers(h.runtime.ctx, now - 15 * MIN)).toBe(0); // 25 minutes: not yet
    expect(await alertWaitingCustomers(h.runtime.ctx, now)).toBe(1);
    expect(await alertWaitingCustomers(h.runtime.ctx, now + MIN)).toBe(0); // once per wait
    await queuesSettled(h);
    const alerts = alertsTo(rep).slice(before);
    expect(alerts).toHaveLength(1);
    const text = (alerts[0].content as { content: string }).content;
    expect(text).toContain(`#${lead.id} 王先生`);
    expect(text).toContain('已等待 40 分钟');
    expect(text).not.toContain('13812345678');
    expect(text).toMatch(/138\*{4}5678/);

    h.sim.state.archive.repText(rep, customer, '您好，马上给您回电', { msgtime: now + 2 * MIN });
    await pullArchive(h.runtime.ctx);
    expect(await h.runtime.ctx.dataSource.getRepository(ChatWaiting).count()).toBe(0);
  });

  test('no alert while the archive has not been read past the deadline (the answer may be further on in a backlog)', async () => {
    const customer = nextCustomer();
    await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
    const now = Date.now();
    h.sim.state.archive.customerText(customer, rep, '有人吗', { msgtime: now - 40 * MIN });
    await pullArchive(h.runtime.ctx);
    // As if the last pull that caught up finished 20 minutes ago: the wait's deadline (40 - 30 = 10 minutes ago) is past that.
    await h.runtime.ctx.dataSource.getRepository(ArchiveCursor).update({ name: 'default' }, { caughtUpAt: now - 20 * MIN });
    expect(await alertWaitingCustomers(h.runtime.ctx, now)).toBe(0);
    await h.runtime.ctx.dataSource.getRepository(ArchiveCursor).update({ name: 'default' }, { caughtUpAt: now - MIN });
    expect(await alertWaitingCustomers(h.runtime.ctx, now)).toBe(1);
  });

  test('waits older than a day (a backlog read when the archive is first turned on) alert nobody', async () => {
    const customer = nextCustomer();
    await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
    const now = Date.now();
    h.sim.state.archive.customerText(customer, rep, '很久以前的问题', { msgtime: now - 3 * DAY });
    await pullArchive(h.runtime.ctx);
    expect(await alertWaitingCustomers(h.runtime.ctx, now)).toBe(0);
  });
});

describe('rep response times in the stats', () => {
  test('GET /api/admin/stats/reps reports each rep\'s chat response times in the range', async () => {
    const a = nextCustomer();
    const b = nextCustomer();
    await makeLead(h.runtime.ctx.dataSource, { externalUserId: a, ownerUserId: rep, source: 'wecom' });
    await makeLead(h.runtime.ctx.dataSource, { externalUserId: b, ownerUserId: rep2, source: 'wecom' });
    const t = Date.parse('2026-11-10T10:00:00+08:00');
    const archive = h.sim.state.archive;
    archive.customerText(a, rep, '问题一', { msgtime: t });
    archive.repText(rep, a, '回答一', { msgtime: t + 4 * MIN });
    archive.customerText(a, rep, '问题二', { msgtime: t + 60 * MIN });
    archive.repText(rep, a, '回答二', { msgtime: t + 70 * MIN });
    archive.customerText(b, rep2, '问题', { msgtime: t });
    archive.repText(rep2, b, '回答', { msgtime: t + 30 * MIN });
    await pullArchive(h.runtime.ctx);
    const { status, body } = await h.admin('GET', '/api/admin/stats/reps?from=2026-11-10&to=2026-11-10');
    expect(status).toBe(200);
    const byRep = new Map(body.items.map((i: { userId: string }) => [i.userId, i]));
    expect(byRep.get(rep)).toMatchObject({ chatResponseTime: { count: 2, avgSeconds: 7 * 60, medianSeconds: 7 * 60, firstAvgSeconds: 4 * 60 } });
    expect(byRep.get(rep2)).toMatchObject({ chatResponseTime: { count: 1, avgSeconds: 30 * 60, firstAvgSeconds: 30 * 60 } });
    // Another day: nothing.
    const other = await h.admin('GET', '/api/admin/stats/reps?from=2026-11-11&to=2026-11-11');
    expect(other.body.items.find((i: { userId: string }) => i.userId === rep)?.chatResponseTime.count ?? 0).toBe(0);
  });
});

describe('retention', () => {
  test('deletes messages older than ARCHIVE_RETENTION_DAYS and their files; newer ones stay', async () => {
    const customer = nextCustomer();
    await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
    const now = Date.now();
    const route = { from: customer, tolist: [rep] };
    const oldImage = h.sim.state.archive.sendImage(route, Buffer.from('old-image-bytes'), { msgtime: now - 100 * DAY });
    h.sim.state.archive.customerText(customer, rep, '很旧的消息', { msgtime: now - 91 * DAY });
    h.sim.state.archive.customerText(customer, rep, '较新的消息', { msgtime: now - 10 * DAY });
    await pullArchive(h.runtime.ctx);
    await queuesSettled(h);
    const image = await h.runtime.ctx.dataSource.getRepository(ChatMessage).findOneByOrFail({ msgid: oldImage.msgid });
    expect(image.mediaStatus).toBe('stored');
    expect(await h.runtime.ctx.archive!.media.get(image.mediaKey!)).not.toBeNull();

    const result = await applyChatRetention(h.runtime.ctx, now);
    expect(result).toEqual({ messages: 2, files: 1, filesLeft: 0 });
    expect((await storedMessages(h)).map((m) => m.content)).toEqual(['较新的消息']);
    expect(await h.runtime.ctx.archive!.media.get(image.mediaKey!)).toBeNull();
    // Nothing more to do on a second run.
    expect(await applyChatRetention(h.runtime.ctx, now)).toEqual({ messages: 0, files: 0, filesLeft: 0 });
  });

  test('a file the store fails to delete keeps its message for the next run', async () => {
    const customer = nextCustomer();
    await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
    const now = Date.now();
    const played = h.sim.state.archive.sendImage({ from: customer, tolist: [rep] }, Buffer.from('bytes'), { msgtime: now - 100 * DAY });
    await pullArchive(h.runtime.ctx);
    await queuesSettled(h);
    const media = h.runtime.ctx.archive!.media;
    const realDelete = media.delete.bind(media);
    media.delete = async () => {
      throw new Error('the store is unreachable');
    };
    try {
      expect(await applyChatRetention(h.runtime.ctx, now)).toEqual({ messages: 0, files: 0, filesLeft: 1 });
    } finally {
      media.delete = realDelete;
    }
    expect(await h.runtime.ctx.dataSource.getRepository(ChatMessage).countBy({ msgid: played.msgid })).toBe(1);
    expect(await applyChatRetention(h.runtime.ctx, now)).toEqual({ messages: 1, files: 1, filesLeft: 0 });
  });
});

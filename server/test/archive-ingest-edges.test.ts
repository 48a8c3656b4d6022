import { ArchiveCursor } from '../src/archive/ingest/archive-cursor.entity';
import { pullArchive } from '../src/archive/ingest/pull-archive';
import { forgetPermittedMembers } from '../src/archive/compliance/permit-list';
import { MAX_CONTENT_CHARS } from '../src/archive/messages/archived-message';
import { Lead } from '../src/leads/lead.entity';
import { mergeLeads } from '../src/leads/merge/merge-leads';
import { generateArchiveKeyPem } from '../src/wecom/simulator';
import { storedMessages } from './support/archive';
import { makeLead } from './support/factories';
import { eventually, Harness, queuesSettled, startHarness } from './support/harness';

/**
 * The chat archive where losing a message would be easy: an answer cached just before the
 * customer changed their mind, a member put in scope a minute ago, a group nobody synced yet,
 * WeCom refusing a pull as too large, a notify arriving while a pull runs, a message too long for
 * a TEXT column, a customer whose lead was merged into another customer's, and messages read
 * before their lead existed.
 */

const rep = 'zhangsan';
const rep2 = 'lisi';
const T0 = Date.parse('2026-11-02T09:00:00+08:00');
const MIN = 60_000;

let h: Harness;
let simNow = T0;
let customerSeq = 0;
const nextCustomer = () => `wmEdgeCustomer${String(++customerSeq).padStart(18, '0')}`;

beforeAll(async () => {
  h = await startHarness({
    archive: true,
    simulator: { members: [{ userid: rep }, { userid: rep2 }], archiveKeys: [{ version: 1, pem: generateArchiveKeyPem() }], now: () => simNow },
  });
});

afterAll(async () => {
  await h?.close();
});

beforeEach(async () => {
  simNow = T0;
  const ds = h.runtime.ctx.dataSource;
  for (const table of ['chat_message', 'chat_waiting', 'chat_response', 'archive_consent']) await ds.query(`DELETE FROM ${table}`);
  await ds.query('DELETE FROM archive_cursor');
  await ds.getRepository(ArchiveCursor).insert({ name: 'default', seq: h.sim.state.archive.lastSeq, updatedAt: Date.now(), lastError: null, caughtUpAt: null });
  h.sim.state.msgaudit.setPermitUsers([rep, rep2]);
  h.sim.state.msgaudit.defaultStatus = 'Agree';
  forgetPermittedMembers(h.runtime.ctx.archive!.wecom);
});

test('a customer who agrees a minute after a cached "Disagree" has their next message stored', async () => {
  const customer = nextCustomer();
  await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
  h.sim.state.msgaudit.setAgree(rep, customer, 'Disagree');
  h.sim.state.archive.customerText(customer, rep, '还没同意', { msgtime: T0 });
  expect(await pullArchive(h.runtime.ctx, () => T0 + MIN)).toMatchObject({ stored: 0, skipped: { no_consent: 1 } });
  simNow = T0 + 2 * MIN;
  h.sim.state.msgaudit.setAgree(rep, customer, 'Agree');
  h.sim.state.archive.customerText(customer, rep, '刚同意', { msgtime: T0 + 3 * MIN });
  // Four minutes after the first answer was cached: within its 10 minutes, but the message is newer than it.
  expect(await pullArchive(h.runtime.ctx, () => T0 + 5 * MIN)).toMatchObject({ stored: 1 });
  expect((await storedMessages(h)).map((m) => m.content)).toEqual(['刚同意']);
});

test('a member put in the archive scope a minute ago is not dropped by a cached permit list', async () => {
  const customer = nextCustomer();
  await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep2, source: 'wecom' });
  h.sim.state.msgaudit.setPermitUsers([rep]);
  h.sim.state.archive.customerText(customer, rep, '给张三', { msgtime: T0 });
  await pullArchive(h.runtime.ctx, () => T0);
  h.sim.state.msgaudit.setPermitUsers([rep, rep2]);
  h.sim.state.archive.customerText(customer, rep2, '给李四', { msgtime: T0 + MIN });
  expect(await pullArchive(h.runtime.ctx, () => T0 + 2 * MIN)).toMatchObject({ stored: 1 });
  expect((await storedMessages(h)).map((m) => m.content)).toEqual(['给张三', '给李四']);
});

test("a customer group not synced yet: its owner comes from WeCom and the customer's message is kept", async () => {
  const customer = nextCustomer();
  const lead = await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
  const group = h.sim.state.createGroup({ owner: rep, name: '未同步的群', members: [{ userid: customer, type: 2 }] });
  h.sim.state.archive.groupText(group.chat_id, customer, [rep], '群里第一句', { msgtime: T0 });
  expect(await pullArchive(h.runtime.ctx)).toMatchObject({ stored: 1 });
  expect((await storedMessages(h)).map((m) => [m.roomId, m.leadId])).toEqual([[group.chat_id, lead.id]]);
});

test('WeCom refusing a pull as too large (301058): fewer at a time, nothing lost', async () => {
  const customer = nextCustomer();
  await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
  for (let i = 0; i < 5; i++) h.sim.state.archive.customerText(customer, rep, `第 ${i} 条`, { msgtime: T0 + i });
  h.sim.faults.inject({ path: '/simulator/finance/chatdata', errcode: 301058, times: 2 });
  expect(await pullArchive(h.runtime.ctx)).toMatchObject({ stored: 5, caughtUp: true });
  expect((await storedMessages(h)).map((m) => m.content)).toEqual([0, 1, 2, 3, 4].map((i) => `第 ${i} 条`));
});

test('a pull asked for while one runs reads what arrived meanwhile, before it resolves', async () => {
  const customer = nextCustomer();
  await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
  h.sim.state.archive.customerText(customer, rep, '第一条', { msgtime: T0 });
  // The pull has had WeCom's answer (the first message, the end) and is asking for consent,
  // slowly, when the second message arrives and another pull is asked for.
  h.sim.faults.inject({ path: 'msgaudit/check_single_agree', latencyMs: 2000 });
  const first = pullArchive(h.runtime.ctx);
  await new Promise((resolve) => setTimeout(resolve, 800));
  h.sim.state.archive.customerText(customer, rep, '拉取期间到达', { msgtime: T0 + MIN });
  const joined = pullArchive(h.runtime.ctx);
  expect(joined).toBe(first);
  await joined;
  expect((await storedMessages(h)).map((m) => m.content)).toEqual(['第一条', '拉取期间到达']);
});

test('a message longer than a TEXT column is stored cut to fit, and the archive goes on', async () => {
  const customer = nextCustomer();
  await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
  const long = '很长的消息'.repeat(8000); // 40,000 characters, 120,000 bytes
  h.sim.state.archive.customerText(customer, rep, long, { msgtime: T0 });
  h.sim.state.archive.customerText(customer, rep, '下一条', { msgtime: T0 + 1 });
  const result = await pullArchive(h.runtime.ctx);
  expect(result).toMatchObject({ stored: 2, caughtUp: true });
  expect(result.stoppedBy).toBeUndefined();
  const [first, second] = await storedMessages(h);
  expect(first.content!.length).toBe(MAX_CONTENT_CHARS + 1);
  expect(first.content!.startsWith('很长的消息很长的消息')).toBe(true);
  expect(second.content).toBe('下一条');
});

test("a customer merged into another customer's lead still lands on it", async () => {
  const ds = h.runtime.ctx.dataSource;
  const a = nextCustomer();
  const b = nextCustomer();
  const kept = await makeLead(ds, { externalUserId: a, ownerUserId: rep, source: 'wecom', phone: '13900000001' });
  const merged = await makeLead(ds, { externalUserId: b, ownerUserId: rep, source: 'wecom', phone: '13900000001' });
  await ds.transaction((manager) => mergeLeads(manager, kept.id, merged.id, 'phone'));
  h.sim.state.archive.customerText(b, rep, '我是同一个人的另一个微信', { msgtime: T0 });
  await pullArchive(h.runtime.ctx);
  expect((await storedMessages(h)).map((m) => [m.externalUserId, m.leadId])).toEqual([[b, kept.id]]);
});

test('messages read before their lead existed are attached to it when it is captured', async () => {
  const customer = nextCustomer();
  simNow = Date.now();
  h.sim.state.archive.customerText(customer, rep, '先聊天后加好友', { msgtime: T0 });
  await pullArchive(h.runtime.ctx);
  expect((await storedMessages(h)).map((m) => m.leadId)).toEqual([null]);
  await h.driver.customerAddsRep({ userId: rep, externalUserId: customer, customer: { name: '后到的客户' } as never });
  await queuesSettled(h);
  const lead = await eventually(() => h.runtime.ctx.dataSource.getRepository(Lead).findOneBy({ externalUserId: customer }));
  await eventually(async () => (await storedMessages(h))[0].leadId === lead.id);
});

test('a pull with a time budget stops after the batch that ends past it; the job queues the next and the rest follows', async () => {
  const customer = nextCustomer();
  await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
  for (let i = 0; i < 12; i++) h.sim.state.archive.customerText(customer, rep, `积压 ${i}`, { msgtime: T0 + i });
  const ctx = { ...h.runtime.ctx, config: { ...h.runtime.ctx.config, archive: { ...h.runtime.ctx.config.archive, pullLimit: 5 } } };
  const first = await pullArchive(ctx, undefined, { forMs: 0 });
  expect(first).toMatchObject({ stored: 5, caughtUp: false, more: true });
  // The cursor is not caught up: waiting alerts hold off meanwhile.
  expect((await h.runtime.ctx.dataSource.getRepository(ArchiveCursor).findOneByOrFail({ name: 'default' })).caughtUpAt).toBeNull();
  const rest = await pullArchive(ctx);
  expect(rest).toMatchObject({ stored: 7, caughtUp: true });
  expect((await storedMessages(h)).map((m) => m.content)).toEqual(Array.from({ length: 12 }, (_, i) => `积压 ${i}`));
});

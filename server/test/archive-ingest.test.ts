import { In } from 'typeorm';
import { subscribers } from '../src/events/registry';
import type { Subscriber } from '../src/events/types';
import { ArchiveCursor } from '../src/archive/ingest/archive-cursor.entity';
import { pullArchive } from '../src/archive/ingest/pull-archive';
import { ArchiveKeyRing } from '../src/archive/keys/key-ring';
import { randomKeyOpener } from '../src/archive/keys/random-key-opener';
import { forgetPermittedMembers } from '../src/archive/compliance/permit-list';
import { ChatMessage } from '../src/archive/messages/chat-message.entity';
import { chatArchiveItem } from '../src/console/setup-check/run-setup-check';
import { ChatResponse } from '../src/archive/responses/chat-response.entity';
import { ChatWaiting } from '../src/archive/responses/chat-waiting.entity';
import { GroupChat } from '../src/groups/group-chat.entity';
import { Job } from '../src/jobs/job.entity';
import { Lead } from '../src/leads/lead.entity';
import { mergeLeads } from '../src/leads/merge/merge-leads';
import { NurtureEnrollment } from '../src/nurture/enrollment/enrollment.entity';
import { LeadActivity } from '../src/leads/lead-activity.entity';
import { generateArchiveKeyPem } from '../src/wecom/simulator';
import { storedMessages } from './support/archive';
import { makeLead, makeMember, makeTeam } from './support/factories';
import { eventually, Harness, queuesSettled, startHarness } from './support/harness';

/**
 * The chat archive's ingestion end to end: the simulator seals messages as WeCom does (real RSA
 * key pairs, several versions), the service pulls them over the simulator SDK, opens them on its
 * RSA thread, and stores what concerns customers on their leads, once, with the checkpoint in the
 * batch's transaction.
 */

const rep = 'zhangsan';
const rep2 = 'lisi';
const outsider = 'wangwu';
/** Fresh customers for each test (a lead per external_userid). */
let customer: string;
let customer2: string;
let customerSeq = 0;
const nextCustomer = () => `wmArchiveCustomer${String(++customerSeq).padStart(15, '0')}`;
const T0 = Date.parse('2026-11-02T09:00:00+08:00');
const MIN = 60_000;

let h: Harness;
let simNow = T0;

async function cursor(): Promise<ArchiveCursor> {
  return h.runtime.ctx.dataSource.getRepository(ArchiveCursor).findOneByOrFail({ name: 'default' });
}

async function resetArchive(): Promise<void> {
  const ds = h.runtime.ctx.dataSource;
  // Each test starts where the simulator's log ends now, with nothing stored.
  for (const table of ['chat_message', 'chat_waiting', 'chat_response', 'archive_consent']) await ds.query(`DELETE FROM ${table}`);
  await ds.query('DELETE FROM archive_cursor');
  await ds.getRepository(ArchiveCursor).insert({ name: 'default', seq: h.sim.state.archive.lastSeq, updatedAt: Date.now(), lastError: null, caughtUpAt: null });
  h.sim.state.msgaudit.defaultStatus = 'Agree';
  forgetPermittedMembers(h.runtime.ctx.archive!.wecom);
}

beforeAll(async () => {
  const v1 = generateArchiveKeyPem();
  h = await startHarness({
    archive: true,
    simulator: { members: [{ userid: rep }, { userid: rep2 }, { userid: outsider }], archiveKeys: [{ version: 1, pem: v1 }], now: () => simNow },
  });
});

afterAll(async () => {
  await h?.close();
});

beforeEach(async () => {
  simNow = T0;
  customer = nextCustomer();
  customer2 = nextCustomer();
  h.sim.state.msgaudit.setPermitUsers([rep, rep2, outsider]);
  await resetArchive();
});

describe('pulling', () => {
  test('stores each 1:1 message on the customer lead, in seq order, and moves the cursor to the last seq', async () => {
    const lead = await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom', lastInteractionAt: null });
    const a = h.sim.state.archive.customerText(customer, rep, '你好，想了解一下产品', { msgtime: T0 });
    const b = h.sim.state.archive.repText(rep, customer, '您好，请问贵司规模多大？', { msgtime: T0 + 2 * MIN });
    const result = await pullArchive(h.runtime.ctx);
    expect(result).toMatchObject({ pulled: 2, stored: 2, duplicates: 0, caughtUp: true, seq: b.seq });
    const stored = await storedMessages(h);
    expect(stored.map((m) => [m.msgid, m.senderKind, m.userId, m.externalUserId, m.leadId, m.content, m.roomId])).toEqual([
      [a.msgid, 'customer', rep, customer, lead.id, '你好，想了解一下产品', null],
      [b.msgid, 'member', rep, customer, lead.id, '您好，请问贵司规模多大？', null],
    ]);
    expect((await cursor()).seq).toBe(b.seq);
    expect((await cursor()).caughtUpAt).not.toBeNull();
    // The customer writing counts as an interaction for score decay.
    expect((await h.runtime.ctx.dataSource.getRepository(Lead).findOneByOrFail({ id: lead.id })).lastInteractionAt).toBe(T0);
  });

  test('reads in batches of ARCHIVE_PULL_LIMIT until caught up, passing the stored seq as it is (GetChatData starts after it)', async () => {
    await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer2, ownerUserId: rep, source: 'wecom' });
    const played = Array.from({ length: 25 }, (_, i) => h.sim.state.archive.customerText(customer2, rep, `第 ${i + 1} 条`, { msgtime: T0 + i * 1000 }));
    h.sim.resetCalls();
    const ctx = { ...h.runtime.ctx, config: { ...h.runtime.ctx.config, archive: { ...h.runtime.ctx.config.archive, pullLimit: 10 } } };
    const result = await pullArchive(ctx);
    expect(result).toMatchObject({ pulled: 25, stored: 25, caughtUp: true, seq: played[24].seq });
    const pulls = h.sim.callsTo('/simulator/finance/chatdata').map((c) => (c.body as { seq: number }).seq);
    expect(pulls).toEqual([played[0].seq - 1, played[9].seq, played[19].seq]);
    expect((await storedMessages(h)).map((m) => m.content)).toEqual(played.map((_, i) => `第 ${i + 1} 条`));
  });

  test('opens messages sealed under several key versions; a version with no key stops the archive at that message, losing nothing', async () => {
    await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
    const old = h.sim.state.archive.customerText(customer, rep, '旧密钥加密的消息', { msgtime: T0 });
    h.sim.state.archive.keys.rotate(generateArchiveKeyPem());
    const fresh = h.sim.state.archive.customerText(customer, rep, '新密钥加密的消息', { msgtime: T0 + MIN });
    expect([old.publickey_ver, fresh.publickey_ver]).toEqual([1, 2]);

    // The service still has only version 1 (keys are read at start-up): it stores the first and waits at the second.
    const stopped = await pullArchive(h.runtime.ctx);
    expect(stopped.stored).toBe(1);
    expect(stopped.stoppedBy).toMatch(/publickey_ver 2.*\[10007\]/);
    expect((await cursor()).seq).toBe(old.seq);
    expect((await cursor()).lastError).toMatch(/10007/);

    // The console's setup check says what stopped it and what to do.
    const check = await chatArchiveItem(h.runtime.ctx, Date.now());
    expect(check).toMatchObject({ status: 'failed', details: { keyVersions: [1], seq: old.seq } });
    expect(check.fix).toContain('v2.pem');

    // The operator adds the new key and restarts: the pull goes on from the waiting message.
    await h.restart();
    expect(h.runtime.ctx.archive!.keys.versions).toEqual([1, 2]);
    const resumed = await pullArchive(h.runtime.ctx);
    expect(resumed).toMatchObject({ stored: 1, caughtUp: true });
    expect((await storedMessages(h)).map((m) => m.content)).toEqual(['旧密钥加密的消息', '新密钥加密的消息']);
    expect((await cursor()).lastError).toBeNull();
    expect(await chatArchiveItem(h.runtime.ctx, Date.now())).toMatchObject({ status: 'ok', details: { keyVersions: [1, 2] } });
  });

  test('a ring without the old version cannot open messages sealed under it (the reason other SCRMs lose them)', async () => {
    const message = h.sim.state.archive.customerText(customer, rep, '旧消息', { msgtime: T0 });
    // Only a later key pair, as after a rotation when the old private key was thrown away.
    const ring = ArchiveKeyRing.fromPems([{ version: message.publickey_ver + 1, pem: generateArchiveKeyPem(), source: 'newest only' }]);
    const ctx = { ...h.runtime.ctx, archive: { ...h.runtime.ctx.archive!, keys: ring, opener: randomKeyOpener(ring, 0) } };
    const result = await pullArchive(ctx);
    expect(result.stored).toBe(0);
    expect(result.stoppedBy).toMatch(new RegExp(`seq ${message.seq} .*10007`));
    // Nothing moved past it: with the key configured, the message is still there to read.
    expect((await cursor()).seq).toBe(message.seq - 1);
  });

  test('msgaudit_notify pulls through a job; a notify during a pull is not lost', async () => {
    await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
    // Callbacks carry the simulator's clock as their timestamp: the present, or the service refuses them as stale.
    simNow = Date.now();
    const first = h.sim.state.archive.customerText(customer, rep, '通知后拉取', { msgtime: T0 });
    const reply = await h.driver.archiveNotify();
    expect(reply.status).toBe(200);
    await eventually(async () => (await storedMessages(h)).length === 1);
    const second = h.sim.state.archive.customerText(customer, rep, '第二次通知', { msgtime: T0 + MIN });
    // A notify is keyed by its CreateTime (WeCom's retries repeat it): the next one is a later second.
    simNow += 2000;
    await h.driver.archiveNotify();
    await eventually(async () => (await storedMessages(h)).length === 2);
    expect((await cursor()).seq).toBe(second.seq);
    expect(first.seq).toBeLessThan(second.seq);
    await queuesSettled(h);
    const pullJobs = await h.runtime.ctx.dataSource.getRepository(Job).find({ where: { kind: 'archive.pull' } });
    expect(pullJobs.every((j) => j.status === 'done')).toBe(true);
  });
});

describe('exactly once', () => {
  test('a batch pulled again after its checkpoint was lost stores nothing twice (dedup by msgid)', async () => {
    await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
    const start = (await cursor()).seq;
    const played = Array.from({ length: 5 }, (_, i) => h.sim.state.archive.customerText(customer, rep, `消息 ${i}`, { msgtime: T0 + i }));
    expect((await pullArchive(h.runtime.ctx)).stored).toBe(5);
    await h.runtime.ctx.dataSource.getRepository(ArchiveCursor).update({ name: 'default' }, { seq: start });
    const again = await pullArchive(h.runtime.ctx);
    expect(again).toMatchObject({ pulled: 5, stored: 0, duplicates: 5 });
    expect(await storedMessages(h)).toHaveLength(5);
    // Events went out once: one job per message's event key.
    const keys = played.map((m) => `event@chat:${m.msgid}`);
    const events = await h.runtime.ctx.dataSource.getRepository(Job).find({ where: { dedupKey: In(keys) } });
    expect(events.map((e) => e.kind)).toEqual(Array(5).fill('event:customer.message_received'));
  });

  test('a failure in the middle of storing a batch rolls back the batch and the checkpoint together; the next pull stores all of it once', async () => {
    await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
    const start = (await cursor()).seq;
    for (let i = 0; i < 6; i++) {
      h.sim.state.archive.customerText(customer, rep, `问 ${i}`, { msgtime: T0 + i * MIN });
      h.sim.state.archive.repText(rep, customer, `答 ${i}`, { msgtime: T0 + i * MIN + 1000 });
    }
    // The transaction dies after the messages, responses and media jobs are written, while its
    // events are published, before the cursor moves: a subscriber whose interest check throws.
    const crash: Subscriber<'customer.message_received'> = {
      name: 'crash-mid-batch',
      priority: 0,
      wants: () => {
        throw new Error('the process died here');
      },
      handle: async () => 'done',
    };
    subscribers['customer.message_received'].push(crash);
    try {
      await expect(pullArchive(h.runtime.ctx)).rejects.toThrow('the process died here');
    } finally {
      subscribers['customer.message_received'].pop();
    }
    expect(await storedMessages(h)).toHaveLength(0);
    expect((await cursor()).seq).toBe(start);
    expect((await cursor()).lastError).toMatch(/the process died here/);

    const result = await pullArchive(h.runtime.ctx);
    expect(result).toMatchObject({ stored: 12, duplicates: 0, caughtUp: true });
    expect(await storedMessages(h)).toHaveLength(12);
    expect(await h.runtime.ctx.dataSource.getRepository(ChatResponse).count()).toBe(6);
  });

  test('two pulls at once in one process share one pull', async () => {
    await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
    for (let i = 0; i < 3; i++) h.sim.state.archive.customerText(customer, rep, `并发 ${i}`, { msgtime: T0 + i });
    const [a, b] = await Promise.all([pullArchive(h.runtime.ctx), pullArchive(h.runtime.ctx)]);
    expect(a).toBe(b);
    expect(await storedMessages(h)).toHaveLength(3);
  });
});

describe('message types, recall and switch', () => {
  test('text, image, file, voice, link, mini-program are stored with their words; a recall marks the original; a switch stores nothing', async () => {
    const lead = await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
    const route = { from: customer, tolist: [rep] };
    const archive = h.sim.state.archive;
    const text = archive.customerText(customer, rep, '这是文字', { msgtime: T0 });
    const image = archive.sendImage(route, Buffer.from('fake-jpeg-bytes'), { msgtime: T0 + 1 });
    const file = archive.sendFile(route, Buffer.from('%PDF-1.4 fake'), '报价单.pdf', { msgtime: T0 + 2 });
    const voice = archive.sendVoice(route, Buffer.from('#!AMR fake'), 3, { msgtime: T0 + 3 });
    const link = archive.sendLink({ from: rep, tolist: [customer] }, { title: '产品介绍', description: '企业版功能一览', link_url: 'https://example.com/p' }, { msgtime: T0 + 4 });
    const weapp = archive.sendMiniProgram({ from: rep, tolist: [customer] }, { title: '预约到店', username: 'gh_123@app', displayname: '线索小程序' }, { msgtime: T0 + 5 });
    archive.switchUser(rep, { msgtime: T0 + 6 });
    const recall = archive.recall(text.msgid, { msgtime: T0 + 7 });

    const result = await pullArchive(h.runtime.ctx);
    expect(result).toMatchObject({ stored: 6, recalled: 1, skipped: { switch: 1 } });
    const byId = new Map((await storedMessages(h)).map((m) => [m.msgid, m]));
    expect(byId.get(text.msgid)).toMatchObject({ msgtype: 'text', content: '这是文字', recalledAt: recall.message.msgtime });
    expect(byId.get(image.msgid)).toMatchObject({ msgtype: 'image', content: null, mediaStatus: expect.any(String) });
    expect(byId.get(file.msgid)).toMatchObject({ msgtype: 'file', content: '报价单.pdf' });
    expect(byId.get(voice.msgid)).toMatchObject({ msgtype: 'voice', content: null });
    expect(byId.get(link.msgid)).toMatchObject({ msgtype: 'link', content: '产品介绍 企业版功能一览', senderKind: 'member' });
    expect(byId.get(weapp.msgid)).toMatchObject({ msgtype: 'weapp', content: '预约到店 线索小程序' });
    expect(byId.has(recall.msgid)).toBe(false);
    expect([...byId.values()].every((m) => m.leadId === lead.id)).toBe(true);

    // Media files are fetched by their job, in chunks, into the media store.
    await queuesSettled(h);
    const media = await h.runtime.ctx.dataSource.getRepository(ChatMessage).find({ where: [{ msgid: image.msgid }, { msgid: file.msgid }, { msgid: voice.msgid }] });
    expect(media.map((m) => m.mediaStatus)).toEqual(['stored', 'stored', 'stored']);
    const stored = await h.runtime.ctx.archive!.media.get(media.find((m) => m.msgid === file.msgid)!.mediaKey!);
    expect(stored?.toString()).toBe('%PDF-1.4 fake');
  });

  test('internal chats (members only, 1:1 or in a group without customers) are not stored', async () => {
    h.sim.state.archive.sendText({ from: rep, tolist: [rep2] }, '内部沟通', { msgtime: T0 });
    h.sim.state.archive.groupText('wrInternalRoom0000000000000001', rep, [rep2, outsider], '内部群消息', { msgtime: T0 + 1 });
    const result = await pullArchive(h.runtime.ctx);
    expect(result).toMatchObject({ pulled: 2, stored: 0, skipped: { internal: 2 } });
    expect((await cursor()).seq).toBe(h.sim.state.archive.lastSeq);
  });

  test('a customer group message lands by room: the customer on their lead, the rep with the room', async () => {
    const ds = h.runtime.ctx.dataSource;
    const lead = await makeLead(ds, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
    const roomId = 'wrCustomerGroup000000000000001';
    await ds.getRepository(GroupChat).insert({ chatId: roomId, name: 'VIP 客户群', ownerUserId: rep, memberVersion: null, status: 'active', createdAt: T0, updatedAt: T0 });
    const asked = h.sim.state.archive.groupText(roomId, customer, [rep, customer2], '群里问一下价格', { msgtime: T0 });
    const answered = h.sim.state.archive.groupText(roomId, rep, [customer, customer2], '稍后私聊您', { msgtime: T0 + MIN });
    await pullArchive(h.runtime.ctx);
    const stored = await storedMessages(h);
    expect(stored.map((m) => [m.msgid, m.roomId, m.senderKind, m.leadId, m.userId, m.externalUserId])).toEqual([
      [asked.msgid, roomId, 'customer', lead.id, null, customer],
      [answered.msgid, roomId, 'member', null, rep, null],
    ]);
  });
});

describe('merging leads', () => {
  test("a merged lead's chats, response times and waits follow it to the kept lead", async () => {
    const ds = h.runtime.ctx.dataSource;
    const lead = await makeLead(ds, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
    const kept = await makeLead(ds, { ownerUserId: rep, source: 'form' });
    h.sim.state.archive.customerText(customer, rep, '问一下', { msgtime: T0 });
    h.sim.state.archive.repText(rep, customer, '请讲', { msgtime: T0 + MIN });
    h.sim.state.archive.customerText(customer, rep, '还在等', { msgtime: T0 + 2 * MIN });
    await pullArchive(h.runtime.ctx);
    await ds.transaction((manager) => mergeLeads(manager, kept.id, lead.id, 'manual'));
    expect((await storedMessages(h)).map((m) => m.leadId)).toEqual([kept.id, kept.id, kept.id]);
    expect(await ds.getRepository(ChatResponse).findBy({ leadId: kept.id })).toHaveLength(1);
    expect(await ds.getRepository(ChatWaiting).findBy({ leadId: kept.id })).toEqual([expect.objectContaining({ since: T0 + 2 * MIN })]);
    // Later messages of that customer land on the kept lead too (it took the external_userid).
    h.sim.state.archive.customerText(customer, rep, '合并之后', { msgtime: T0 + 3 * MIN });
    await pullArchive(h.runtime.ctx);
    expect((await storedMessages(h)).pop()?.leadId).toBe(kept.id);
  });
});

describe('compliance', () => {
  test('only members in the permit list are archived', async () => {
    await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: outsider, source: 'wecom' });
    h.sim.state.msgaudit.setPermitUsers([rep]);
    h.sim.state.archive.customerText(customer, outsider, '发给不在存档范围内的成员', { msgtime: T0 });
    h.sim.state.archive.customerText(customer, rep, '发给存档范围内的成员', { msgtime: T0 + 1 });
    const result = await pullArchive(h.runtime.ctx);
    expect(result).toMatchObject({ stored: 1, skipped: { not_permitted: 1 } });
    expect((await storedMessages(h)).map((m) => m.content)).toEqual(['发给存档范围内的成员']);
  });

  test('a customer who has not agreed is not stored; agreement changes apply going forward', async () => {
    await makeLead(h.runtime.ctx.dataSource, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
    simNow = T0;
    h.sim.state.msgaudit.setAgree(rep, customer, 'Disagree');
    h.sim.state.archive.customerText(customer, rep, '未同意时的消息', { msgtime: T0 + MIN });
    expect(await pullArchive(h.runtime.ctx, () => T0 + 2 * MIN)).toMatchObject({ stored: 0, skipped: { no_consent: 1 } });

    // The customer agrees at T0 + 10 min; the archive learns it when its cached answer is 10 minutes old.
    simNow = T0 + 10 * MIN;
    h.sim.state.msgaudit.setAgree(rep, customer, 'Agree');
    h.sim.state.archive.customerText(customer, rep, '同意之前发出、之后才拉到的消息', { msgtime: T0 + 9 * MIN });
    h.sim.state.archive.customerText(customer, rep, '同意之后的消息', { msgtime: T0 + 11 * MIN });
    const result = await pullArchive(h.runtime.ctx, () => T0 + 13 * MIN);
    expect(result).toMatchObject({ stored: 1, skipped: { no_consent: 1 } });
    expect((await storedMessages(h)).map((m) => m.content)).toEqual(['同意之后的消息']);

    // And withdraws at T0 + 30 min: what was stored stays, what follows is not stored.
    simNow = T0 + 30 * MIN;
    h.sim.state.msgaudit.setAgree(rep, customer, 'Disagree');
    h.sim.state.archive.customerText(customer, rep, '撤回同意之后的消息', { msgtime: T0 + 31 * MIN });
    await pullArchive(h.runtime.ctx, () => T0 + 45 * MIN);
    expect((await storedMessages(h)).map((m) => m.content)).toEqual(['同意之后的消息']);
  });
});

describe('what the messages drive', () => {
  test('a customer message raises customer.message_received: a reply and intent for scoring, tags, and nurture exit subscribe', async () => {
    const ds = h.runtime.ctx.dataSource;
    const lead = await makeLead(ds, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
    const message = h.sim.state.archive.customerText(customer, rep, '请问企业版多少钱？', { msgtime: T0 });
    await pullArchive(h.runtime.ctx);
    await queuesSettled(h);
    const activities = await ds.getRepository(LeadActivity).find({ where: { leadId: lead.id } });
    expect(activities.map((a) => [a.kind, a.value]).sort()).toEqual([
      ['customer_reply', null],
      ['intent_keyword', 'price'],
    ].sort());
    const scored = await eventually(async () => {
      const l = await ds.getRepository(Lead).findOneByOrFail({ id: lead.id });
      return l.scoreBreakdown?.some((item) => item.rule === 'behaviour.intent.price') ? l : null;
    });
    expect(scored.score).toBeGreaterThan(0);
    const tags = await ds.query('SELECT name FROM lead_tag WHERE lead_id = ?', [lead.id]);
    expect(tags.map((t: { name: string }) => t.name)).toContain('意向-询价');
    void message;
  });

  test('a customer writing in chat ends their nurture sequence (customer_reply), once', async () => {
    const ds = h.runtime.ctx.dataSource;
    const created = await h.admin('POST', '/api/admin/nurture/sequences', {
      key: `archive-reply-${customer.slice(-4)}`,
      name: '聊天回复退出',
      triggers: [{ type: 'manual' }],
      steps: [{ id: 'hello', delay: { from: 'enrollment', hours: 2 }, action: { type: 'push_content', text: { content: '您好，这是产品资料。' } } }],
      exits: { on: ['customer_reply', 'customer_deleted_rep', 'sequence_end'] },
    });
    expect(created.status === 201 ? 201 : JSON.stringify(created.body)).toBe(201);
    const lead = await makeLead(ds, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
    expect((await h.admin('POST', '/api/admin/nurture/enrollments', { leadId: lead.id, sequenceKey: created.body.key })).status).toBe(201);
    // Messages are played (and sent) after the enrollment began: only those end it.
    const sentAt = Date.now() + 1000;
    h.sim.state.archive.customerText(customer, rep, '资料收到了，谢谢', { msgtime: sentAt });
    h.sim.state.archive.customerText(customer, rep, '再问一句', { msgtime: sentAt + 1000 });
    await pullArchive(h.runtime.ctx);
    await queuesSettled(h);
    const enrollments = await ds.getRepository(NurtureEnrollment).find({ where: { leadId: lead.id } });
    expect(enrollments.map((e) => [e.status, e.exitReason])).toEqual([['exited', 'customer_reply']]);
  });

  test("a rep's message with a sensitive word alerts the rep's manager, through the archive end to end", async () => {
    const ds = h.runtime.ctx.dataSource;
    const team = await makeTeam(h, { name: `存档团队${customer.slice(-3)}`, members: [rep2] });
    const boss = `boss${customer.slice(-3)}`;
    h.sim.state.addMember(boss);
    await makeMember(h, boss, { roles: ['manager'], name: '钱经理', managedTeamIds: [team.id] });
    const lead = await makeLead(ds, { externalUserId: customer, ownerUserId: rep2, source: 'wecom', name: '周先生' });
    const before = h.sim.state.appMessages.items.length;
    h.sim.state.archive.repText(rep2, customer, '您直接转账到我个人支付宝就行，私下转账更便宜', { msgtime: T0 });
    h.sim.state.archive.repText(rep2, customer, '好的，明天见', { msgtime: T0 + MIN });
    await pullArchive(h.runtime.ctx);
    await queuesSettled(h);
    const alerts = h.sim.state.appMessages.items.slice(before).filter((m) => m.touser.includes(boss));
    expect(alerts).toHaveLength(1);
    expect((alerts[0].content as { content: string }).content).toContain('【敏感词提醒】');
    expect((alerts[0].content as { content: string }).content).toContain(`#${lead.id} 周先生`);
  });

  test('response times: first and average per lead and rep; a waiting customer is tracked until the rep answers', async () => {
    const ds = h.runtime.ctx.dataSource;
    const lead = await makeLead(ds, { externalUserId: customer, ownerUserId: rep, source: 'wecom' });
    const archive = h.sim.state.archive;
    archive.repText(rep, customer, '您好，我是您的顾问', { msgtime: T0 - MIN }); // the rep writes first: no response
    archive.customerText(customer, rep, '在吗？', { msgtime: T0 });
    archive.customerText(customer, rep, '想问下价格', { msgtime: T0 + MIN }); // still the same wait
    archive.repText(rep, customer, '在的', { msgtime: T0 + 5 * MIN }); // 5 minutes, first
    archive.customerText(customer, rep, '好的，那合同呢？', { msgtime: T0 + 60 * MIN });
    archive.repText(rep, customer, '我发您', { msgtime: T0 + 75 * MIN }); // 15 minutes
    archive.customerText(customer, rep, '收到了吗？', { msgtime: T0 + 120 * MIN }); // waiting
    await pullArchive(h.runtime.ctx);
    const responses = await ds.getRepository(ChatResponse).find({ where: { leadId: lead.id }, order: { repliedAt: 'ASC' } });
    expect(responses.map((r) => [r.userId, r.responseMs / MIN, r.first])).toEqual([
      [rep, 5, true],
      [rep, 15, false],
    ]);
    expect(await ds.getRepository(ChatWaiting).find()).toEqual([expect.objectContaining({ leadId: lead.id, userId: rep, since: T0 + 120 * MIN, alertedAt: null })]);
  });
});

import { DEMO_CHAT_CUSTOMERS, DEMO_CHAT_GROUP, seedDemoChats } from '../src/archive/demo/seed-demo-chats';
import { ChatMessage } from '../src/archive/messages/chat-message.entity';
import { ChatResponse } from '../src/archive/responses/chat-response.entity';
import { ChatWaiting } from '../src/archive/responses/chat-waiting.entity';
import { Lead } from '../src/leads/lead.entity';
import { Harness, queuesSettled, startHarness } from './support/harness';

/**
 * Demo mode's chat seed: two customers' leads, their chats played into the simulator's archive and
 * pulled (1:1 and a named customer group, a recall, media fetched), response times for one and a
 * customer still waiting on the other; a second start seeds nothing again.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ archive: true, simulator: { members: [{ userid: 'zhangsan', name: '张三' }, { userid: 'lisi', name: '李四' }, { userid: 'wangwu', name: '王五' }] } });
  // Demo mode: the simulator is the demo's, and the seed plays into it.
  h.runtime.ctx.demoSimulator = h.sim;
});

afterAll(async () => {
  await h?.close();
});

test('seeds the demo customers, their chats and media once', async () => {
  const now = Date.now();
  await seedDemoChats(h.runtime.ctx, now);
  const ds = h.runtime.ctx.dataSource;
  const [chen, liu] = await Promise.all(DEMO_CHAT_CUSTOMERS.map((c) => ds.getRepository(Lead).findOneByOrFail({ externalUserId: c.externalUserId })));
  expect(chen).toMatchObject({ name: '陈静（演示聊天）', ownerUserId: 'zhangsan' });
  expect(liu).toMatchObject({ ownerUserId: 'lisi' });

  const messages = await ds.getRepository(ChatMessage).find({ order: { sentAt: 'ASC' } });
  const chens = messages.filter((m) => m.leadId === chen.id);
  expect(chens.length).toBeGreaterThanOrEqual(20);
  expect(messages.filter((m) => m.leadId === liu.id)).toHaveLength(2);
  expect(messages.filter((m) => m.recalledAt !== null)).toHaveLength(1);
  expect(new Set(messages.map((m) => m.msgtype))).toEqual(new Set(['text', 'link', 'file', 'image']));
  const group = messages.filter((m) => m.roomId === DEMO_CHAT_GROUP.chatId);
  expect(group).toHaveLength(3);
  // The customer's group message lands on their lead; the members' stay with the room.
  expect(group.filter((m) => m.leadId === chen.id).map((m) => m.content)).toEqual(['你们好，试用账号什么时候能开通？']);

  expect(await ds.getRepository(ChatResponse).countBy({ leadId: chen.id })).toBeGreaterThanOrEqual(4);
  expect(await ds.getRepository(ChatWaiting).findOneByOrFail({ leadId: liu.id })).toMatchObject({ userId: 'lisi', since: now - 70 * 60_000 });

  await queuesSettled(h);
  const media = await ds.getRepository(ChatMessage).find({ where: [{ msgtype: 'image' }, { msgtype: 'file' }] });
  expect(media.map((m) => m.mediaStatus)).toEqual(['stored', 'stored']);

  const count = messages.length;
  await seedDemoChats(h.runtime.ctx, now + 60_000);
  expect(await ds.getRepository(ChatMessage).count()).toBe(count);
});

test("a demo restart (a fresh simulator archive, seq from 0) brings the stored cursor back, so new messages are read", async () => {
  const ds = h.runtime.ctx.dataSource;
  // As after a restart: the stored cursor is ahead of the (new) simulator's archive.
  await ds.query(`UPDATE archive_cursor SET seq = ? WHERE name = 'default'`, [h.sim.state.archive.lastSeq + 500]);
  await seedDemoChats(h.runtime.ctx);
  expect(Number((await ds.query(`SELECT seq FROM archive_cursor WHERE name = 'default'`))[0].seq)).toBe(h.sim.state.archive.lastSeq);
});

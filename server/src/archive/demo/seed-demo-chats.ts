import type { AppContext } from '../../context';
import { captureLead } from '../../capture/capture-lead';
import { GroupChat } from '../../groups/group-chat.entity';
import { Lead } from '../../leads/lead.entity';
import { qrPng } from '../../wecom/simulator/qr-images';
import { pullArchive } from '../ingest/pull-archive';
import { ArchiveCursor } from '../ingest/archive-cursor.entity';
import { ARCHIVE_CURSOR } from '../ingest/store-batch';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** The demo's chatting customers: fixed ids, so a restart finds their leads and seeds nothing twice. */
export const DEMO_CHAT_CUSTOMERS = [
  { externalUserId: 'wmDemoChatCustomer0000000000001', name: '陈静（演示聊天）', corpName: '沪上教育科技', rep: 'zhangsan' },
  { externalUserId: 'wmDemoChatCustomer0000000000002', name: '刘洋（演示聊天）', corpName: null, rep: 'lisi' },
] as const;

export const DEMO_CHAT_GROUP = { chatId: 'wrDemoChatGroup00000000000000001', name: '沪上教育 · 采购沟通群' };

/**
 * Demo mode's chat archive, so the console's 「聊天记录」 and 「聊天搜索」 have something to show
 * at once: two customers add 张三 and 李四 (leads captured as an add would), then chats are
 * played into the simulator's archive — a conversation over two days with an image, a file, a
 * link, a recalled message and a customer group, and a customer still waiting for 李四 — and
 * pulled, as msgaudit_notify would. Media files follow through the archive.media job. Once per
 * database: a restart finds the first customer's lead and plays nothing again.
 */
export async function seedDemoChats(ctx: AppContext, now = Date.now()): Promise<void> {
  const sim = ctx.demoSimulator;
  if (!sim || !ctx.archive) return;
  // The simulator's archive starts empty at every start, its seq from 0, while the cursor of an
  // earlier run is stored: back to where this archive ends, or nothing played from now on would
  // be read until its seq passed the old cursor.
  await ctx.dataSource
    .createQueryBuilder()
    .update(ArchiveCursor)
    .set({ seq: sim.state.archive.lastSeq, lastError: null })
    .where('name = :name AND seq > :last', { name: ARCHIVE_CURSOR, last: sim.state.archive.lastSeq })
    .execute();
  const leads = ctx.dataSource.getRepository(Lead);
  if (await leads.findOneBy({ externalUserId: DEMO_CHAT_CUSTOMERS[0].externalUserId })) return;

  for (const customer of DEMO_CHAT_CUSTOMERS) {
    sim.state.addExternalContact({ external_userid: customer.externalUserId, name: customer.name, corp_name: customer.corpName ?? '' });
    sim.state.addFollow(customer.rep, customer.externalUserId, { add_way: 1, oper_userid: customer.externalUserId });
    const at = now - 2 * 24 * HOUR;
    await ctx.dataSource.transaction((manager) =>
      captureLead(manager, {
        source: 'wecom',
        key: `demo-chats:${customer.externalUserId}`,
        occurredAt: at,
        identity: { externalUserId: customer.externalUserId },
        profile: { name: customer.name, corpName: customer.corpName },
        profileIsAuthoritative: true,
        isInteraction: true,
        owner: { userId: customer.rep, reason: '客户添加了该成员' },
        relation: { userId: customer.rep, state: null, remark: null },
        timeline: (created) => ({
          kind: created ? 'lead.created' : 'contact.added',
          summary: `${created ? '新线索：' : ''}添加了成员 ${customer.rep}，来源：自然流量（演示聊天）`,
          dedupKey: `demo-chats:${customer.externalUserId}:added`,
        }),
      }),
    );
  }

  const [chen, liu] = DEMO_CHAT_CUSTOMERS;
  const archive = sim.state.archive;
  const toRep = { from: chen.externalUserId, tolist: [chen.rep] };
  const toChen = { from: chen.rep, tolist: [chen.externalUserId] };
  // Two days ago: the first contact, answered after 6 minutes.
  let t = now - 2 * 24 * HOUR + 10 * MIN;
  const at = (minutesLater: number) => (t += minutesLater * MIN);
  archive.customerText(chen.externalUserId, chen.rep, '你好，我们是做少儿编程培训的，想了解一下你们的线索管理系统', { msgtime: at(0) });
  archive.repText(chen.rep, chen.externalUserId, '您好陈老师！我是张三，很高兴为您服务。请问你们现在有几个校区、多少位课程顾问？', { msgtime: at(6) });
  archive.customerText(chen.externalUserId, chen.rep, '3 个校区，顾问一共 12 个人', { msgtime: at(3) });
  archive.customerText(chen.externalUserId, chen.rep, '主要是展会和地推来的家长，跟进很乱', { msgtime: at(1) });
  archive.repText(chen.rep, chen.externalUserId, '明白，这正是我们最擅长的：渠道活码自动分配给顾问，超时没跟进会提醒主管。', { msgtime: at(4) });
  archive.sendLink(toChen, { title: '线索通 · 教育行业方案', description: '渠道活码、自动分配、培育序列一览', link_url: 'https://example.com/solutions/education' }, { msgtime: at(1) });
  archive.customerText(chen.externalUserId, chen.rep, '价格大概是多少？', { msgtime: at(20) });
  archive.repText(chen.rep, chen.externalUserId, '按顾问人数计费，12 个账号的话我给您出一份正式报价单。', { msgtime: at(5) });
  archive.sendFile(toChen, Buffer.from('%PDF-1.4\n% 演示报价单\n'), '沪上教育-报价单.pdf', { msgtime: at(10) });
  const slip = archive.repText(chen.rep, chen.externalUserId, '报价有效期到月底，联系电话 13812345678', { msgtime: at(1) });
  archive.recall(slip.msgid, { msgtime: at(1) });
  archive.repText(chen.rep, chen.externalUserId, '报价有效期到月底，有问题随时找我。', { msgtime: at(1) });
  archive.customerText(chen.externalUserId, chen.rep, '好的，我和校长商量一下', { msgtime: at(30) });
  archive.repText(chen.rep, chen.externalUserId, '好的，等您消息～', { msgtime: at(2) });
  // Yesterday: the customer comes back with a screenshot; the rep answers after 25 minutes.
  t = now - 24 * HOUR;
  archive.customerText(chen.externalUserId, chen.rep, '校长看了，想问能不能先试用', { msgtime: at(0) });
  archive.sendImage(toRep, qrPng('沪上教育 校区分布'), { msgtime: at(1) });
  archive.customerText(chen.externalUserId, chen.rep, '这是我们校区的分布，图片发你了', { msgtime: at(1) });
  archive.repText(chen.rep, chen.externalUserId, '可以的，给您开 14 天试用，三个校区都能用。', { msgtime: at(25) });
  archive.repText(chen.rep, chen.externalUserId, '另外建了个群，我们的实施同事也在里面，方便沟通。', { msgtime: at(2) });
  // The customer group: labelled with its name in the lead's chats.
  await ctx.dataSource.getRepository(GroupChat).upsert(
    { chatId: DEMO_CHAT_GROUP.chatId, name: DEMO_CHAT_GROUP.name, ownerUserId: chen.rep, memberVersion: null, status: 'active', createdAt: t, updatedAt: t },
    ['chatId'],
  );
  if (!sim.state.groupChats.has(DEMO_CHAT_GROUP.chatId)) {
    sim.state.createGroup({ chatId: DEMO_CHAT_GROUP.chatId, owner: chen.rep, name: DEMO_CHAT_GROUP.name, members: [{ userid: chen.externalUserId, type: 2 }, { userid: 'wangwu', type: 1 }] });
  }
  archive.groupText(DEMO_CHAT_GROUP.chatId, chen.rep, [chen.externalUserId, 'wangwu'], '欢迎陈老师！这是我们的实施经理王五。', { msgtime: at(3) });
  archive.groupText(DEMO_CHAT_GROUP.chatId, chen.externalUserId, [chen.rep, 'wangwu'], '你们好，试用账号什么时候能开通？', { msgtime: at(5) });
  archive.groupText(DEMO_CHAT_GROUP.chatId, 'wangwu', [chen.rep, chen.externalUserId], '今天下午就能开通，开通后我把使用手册发群里。', { msgtime: at(4) });
  // Today: a short exchange, quickly answered.
  t = now - 3 * HOUR;
  archive.customerText(chen.externalUserId, chen.rep, '试用账号收到了，顾问们在学习怎么用', { msgtime: at(0) });
  archive.repText(chen.rep, chen.externalUserId, '太好了！明天上午我来校区做一次培训，您看方便吗？', { msgtime: at(2) });
  archive.customerText(chen.externalUserId, chen.rep, '方便，上午十点吧', { msgtime: at(3) });
  archive.repText(chen.rep, chen.externalUserId, '好的，明天十点见。', { msgtime: at(1) });

  // 刘洋 asked 李四 an hour ago and is still waiting.
  archive.customerText(liu.externalUserId, liu.rep, '你好，请问你们支持企业微信会话存档吗？价格怎么算？', { msgtime: now - 70 * MIN });
  archive.customerText(liu.externalUserId, liu.rep, '方便的话回个电话', { msgtime: now - 65 * MIN });

  await pullArchive(ctx, () => now);
}

import { EntityManager } from 'typeorm';
import type { AppContext } from '../../context';
import type { EventMeta } from '../../inbox/handlers';
import { captureLead } from '../../capture/capture-lead';
import { addTimelineEntry } from '../../leads/timeline';
import { getGroupChat, GroupChatDetails } from '../../wecom/contact-api';
import type { GroupChangedEvent } from '../../wecom/events';
import { WecomApiError } from '../../wecom/errors';
import { looksLikeExternalUserId } from '../../wecom/ids';
import { GroupChat } from '../group-chat.entity';
import { GroupMember } from '../group-member.entity';

type Member = NonNullable<GroupChatDetails['group_chat']['member_list']>[number];

/** The callback's JoinScene: 0 invited by a member, 3 the group QR code; anything else "other". */
const JOIN_SCENE: Record<number, { key: string; label: string }> = {
  0: { key: 'invite', label: '成员邀请' },
  3: { key: 'qrcode', label: '扫描群二维码' },
};
/** groupchat/get's join_scene: 1 direct invite, 2 invite link, 3 QR code. */
const MEMBER_JOIN_SCENE: Record<number, { key: string; label: string }> = {
  1: { key: 'invite', label: '成员邀请' },
  2: { key: 'link', label: '邀请链接' },
  3: { key: 'qrcode', label: '扫描群二维码' },
};
const OTHER = { key: 'other', label: '其他方式' };


async function upsertGroup(manager: EntityManager, details: GroupChatDetails['group_chat'], now: number): Promise<GroupChat> {
  const repo = manager.getRepository(GroupChat);
  const group = (await repo.findOneBy({ chatId: details.chat_id })) ?? repo.create({ chatId: details.chat_id, createdAt: (details.create_time ?? 0) * 1000 || now, status: 'active' });
  group.name = details.name ?? group.name ?? '';
  group.ownerUserId = details.owner ?? group.ownerUserId ?? null;
  group.memberVersion = details.member_version ?? group.memberVersion ?? null;
  group.updatedAt = now;
  return repo.save(group);
}

async function memberJoined(
  manager: EntityManager,
  group: GroupChat,
  memberId: string,
  member: Member | undefined,
  scene: { key: string; label: string },
  key: string,
  occurredAt: number,
) {
  const external = member ? member.type === 2 : looksLikeExternalUserId(memberId);
  let leadId: number | null = null;
  if (external) {
    const { lead } = await captureLead(manager, {
      source: 'group',
      key: `${key}:${memberId}`,
      occurredAt,
      identity: { externalUserId: memberId, unionid: member?.unionid || null },
      profile: { name: member?.name },
      isInteraction: true,
      timeline: (created) => ({
        kind: 'group.joined',
        summary: `${created ? '新线索：' : ''}加入客户群「${group.name || group.chatId}」（${scene.label}）`,
        data: { chatId: group.chatId, joinScene: scene.key, invitor: member?.invitor?.userid ?? null },
        dedupKey: `${key}:joined:${memberId}`,
      }),
      activity: { kind: 'group_join', value: group.chatId, data: { joinScene: scene.key }, dedupKey: `${key}:group_join:${memberId}` },
    });
    leadId = lead.id;
  }
  const repo = manager.getRepository(GroupMember);
  const existing = await repo.findOneBy({ chatId: group.chatId, memberId });
  const fields = { memberType: external ? 2 : 1, leadId, joinScene: scene.key, joinedAt: (member?.join_time ?? 0) * 1000 || occurredAt, leftAt: null };
  if (existing) await repo.update({ id: existing.id }, fields);
  else await repo.insert({ chatId: group.chatId, memberId, ...fields });
}

async function memberLeft(manager: EntityManager, group: GroupChat, memberId: string, quitScene: number | undefined, key: string, occurredAt: number) {
  const repo = manager.getRepository(GroupMember);
  const membership = await repo.findOneBy({ chatId: group.chatId, memberId });
  if (membership) await repo.update({ id: membership.id }, { leftAt: occurredAt });
  if (membership?.leadId) {
    await addTimelineEntry(manager, {
      leadId: membership.leadId,
      kind: 'group.left',
      summary: `${quitScene === 1 ? '被移出' : '退出了'}客户群「${group.name || group.chatId}」`,
      data: { chatId: group.chatId, quitScene: quitScene ?? null },
      dedupKey: `${key}:left:${memberId}`,
      occurredAt,
    });
  }
}

/**
 * groupchat/get, or — when WeCom no longer knows the group (dismissed before we got to an
 * earlier event) — what we stored, so the member changes the event carries are still recorded.
 */
async function currentGroupDetails(ctx: AppContext, chatId: string): Promise<GroupChatDetails['group_chat']> {
  try {
    return (await getGroupChat(ctx.wecom.contact, chatId)).group_chat;
  } catch (error) {
    if (!(error instanceof WecomApiError) || error.retryable) throw error;
    const known = await ctx.dataSource.getRepository(GroupChat).findOneBy({ chatId });
    if (!known) throw error;
    ctx.logger.info({ chatId, errcode: error.errcode }, 'group gone in WeCom; applying the event to the stored group');
    return { chat_id: chatId, name: known.name, owner: known.ownerUserId ?? undefined, member_version: known.memberVersion ?? undefined };
  }
}

/**
 * change_external_chat: keeps groups and memberships current; every external member who joins
 * is captured (capture-lead.ts) as a lead, new or known, with a "joined group" timeline entry
 * and the join scene; a new one without an owner goes through assignment (a subscriber).
 */
export async function onGroupChanged(event: GroupChangedEvent, ctx: AppContext, meta: EventMeta) {
  const now = Date.now();
  const occurredAt = event.createTime * 1000 || meta.receivedAt;
  const key = `inbox:${meta.inboxId}`;
  if (event.changeType === 'dismiss') {
    await ctx.dataSource.getRepository(GroupChat).update({ chatId: event.chatId }, { status: 'dismissed', updatedAt: now });
    return 'done' as const;
  }
  const details = await currentGroupDetails(ctx, event.chatId);
  const members = new Map((details.member_list ?? []).map((m) => [m.userid, m]));
  await ctx.dataSource.transaction(async (manager) => {
    const group = await upsertGroup(manager, details, now);
    if (event.changeType === 'create') {
      for (const member of members.values()) {
        const scene = MEMBER_JOIN_SCENE[member.join_scene ?? -1] ?? OTHER;
        await memberJoined(manager, group, member.userid, member, scene, key, occurredAt);
      }
    } else if (event.updateDetail === 'add_member') {
      const scene = JOIN_SCENE[event.joinScene ?? -1] ?? OTHER;
      for (const id of event.memberIds) await memberJoined(manager, group, id, members.get(id), scene, key, occurredAt);
    } else if (event.updateDetail === 'del_member') {
      for (const id of event.memberIds) await memberLeft(manager, group, id, event.quitScene, key, occurredAt);
    }
  });
  return 'done' as const;
}

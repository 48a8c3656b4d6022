import { In, IsNull, LessThan, Not } from 'typeorm';
import type { AppContext } from '../../context';
import { groupMessageTasks, listGroupMessages, type ListedGroupMessage } from './group-message-api';
import { NurturePush, type PushContent } from './push.entity';
import { acceptPush } from './send-pushes';

/**
 * How long after an add_msg_template attempt began it is surely over: the client's timeout
 * (WECOM_TIMEOUT_MS, 5 s by default) with no network retries, with a wide margin for a wait in
 * the pacer. NURTURE_RECONCILE_AFTER_SECONDS changes it.
 */
export const RECONCILE_AFTER_MS = 2 * 60_000;
const reconcileAfterMs = (ctx: AppContext) => (ctx.config.nurtureReconcileAfterSeconds ? ctx.config.nurtureReconcileAfterSeconds * 1000 : RECONCILE_AFTER_MS);

/** The content WeCom lists for a message, compared with what we sent: text, and the kinds of attachments in order. */
function sameContent(listed: ListedGroupMessage, sent: PushContent): boolean {
  if ((listed.text?.content ?? '') !== (sent.text?.content ?? '')) return false;
  const kinds = (a: Array<{ msgtype: string }> | undefined) => (a ?? []).map((x) => x.msgtype).join(',');
  return kinds(listed.attachments) === kinds(sent.attachments);
}

/**
 * Pushes left `calling` by a crash or a lost answer: did WeCom create the message? It is looked
 * for in get_groupmsg_list_v2 over the attempt's time, among the corp-created messages with the
 * same content that no other push of ours has, whose task belongs to the push's sender. Found:
 * the push takes its msgid and is tracked like any other (its fail_list is unknown; the send
 * results say who was in it). Not found: WeCom never created it, and it is sent again. A push of
 * the same sender and content never starts while one is `calling` (the step batching waits for
 * this), so two candidates cannot both be ours.
 */
export async function reconcileCallingPushes(ctx: AppContext, now: number): Promise<{ adopted: number; resent: number }> {
  const stale = await ctx.dataSource.getRepository(NurturePush).find({
    where: { status: 'calling', attemptStartedAt: LessThan(now - reconcileAfterMs(ctx)) },
    order: { id: 'ASC' },
    take: 50,
  });
  let adopted = 0;
  let resent = 0;
  for (const push of stale) {
    const msgid = await findCreatedMessage(ctx, push, now);
    if (msgid) {
      await acceptPush(ctx, push.id, push.attempts, msgid, [], push.attemptStartedAt!);
      ctx.logger.info({ pushId: push.id, msgid }, 'nurture push: found in WeCom after a lost answer');
      adopted++;
    } else {
      const back = await ctx.dataSource
        .getRepository(NurturePush)
        .update({ id: push.id, status: 'calling', attemptStartedAt: push.attemptStartedAt! }, { status: 'ready', attemptStartedAt: null });
      if (back.affected) resent++;
    }
  }
  return { adopted, resent };
}

async function findCreatedMessage(ctx: AppContext, push: NurturePush, now: number): Promise<string | null> {
  const startSec = Math.floor(push.attemptStartedAt! / 1000) - 5;
  const endSec = Math.ceil(now / 1000);
  const listed = (await listGroupMessages(ctx.wecom.contact, startSec, endSec)).filter((m) => (m.create_type ?? 0) === 0 && sameContent(m, push.content));
  if (listed.length === 0) return null;
  const known = new Set(
    (await ctx.dataSource.getRepository(NurturePush).find({ select: { msgid: true }, where: { msgid: In(listed.map((m) => m.msgid)), id: Not(push.id) } }))
      .map((p) => p.msgid)
      .filter((m): m is string => m !== null),
  );
  for (const message of listed) {
    if (known.has(message.msgid)) continue;
    const tasks = await groupMessageTasks(ctx.wecom.contact, message.msgid);
    if (tasks.some((t) => t.userid === push.sender)) return message.msgid;
  }
  return null;
}

/** Whether a push of this sender and step is unsettled in WeCom terms (calling): batching waits for it. */
export async function callingPushExists(ctx: AppContext, sender: string, sequenceKey: string, stepId: string): Promise<boolean> {
  return ctx.dataSource.getRepository(NurturePush).exists({ where: { sender, sequenceKey, stepId, status: 'calling', msgid: IsNull() } });
}

import type { EntityManager } from 'typeorm';
import { followMerges } from '../../../capture/identity';
import type { Subscriber } from '../../../events/types';
import { GroupChat } from '../../../groups/group-chat.entity';
import { PRIORITY } from '../../../jobs/enqueue';
import { leadLabel, queueRepNotice } from '../../../leads/assignment/notices';
import { managersOfRep } from '../../../members/managers-of-rep';
import { memberNames } from '../../../members/names';
import { maskPhoneNumbersInText } from '../../../privacy/phone-numbers';
import { chatRules } from '../chat-rules';
import { matchRules, type RuleMatch } from '../match-rules';
import { messageKey } from '../message-key';

/** 「私下转账」（私下收款）、「138****5678」（留私人联系方式）: what a rule matched, phone numbers masked. */
const describeMatches = (matches: RuleMatch[]) => matches.map((m) => `「${maskPhoneNumbersInText(m.matched)}」（${m.label}）`).join('、');

/**
 * member.message_sent: a rep wrote something a sensitive-word rule of config/chat-rules.json
 * matches (a promise of returns, payment outside the company, private contact details), so each
 * of the rep's managers gets an app message (a notify_rep job each, keyed by message and manager,
 * so a message delivered twice alerts once), and the lead's timeline says what was said and who
 * was told. A message in a customer group concerns no one lead: the alert names the group, and
 * there is no timeline entry. A rep without a manager is logged and, on a lead, put on its
 * timeline: nobody is told.
 *
 * Matched at publish time (wants) too: rep messages are most of the archive, and a message no
 * rule matches should cost no job.
 */
export const alertSensitiveWords: Subscriber<'member.message_sent'> = {
  name: 'chat-alert-sensitive-words',
  priority: PRIORITY.notice,
  wants: (p) => !!p.text?.trim() && matchRules(chatRules().sensitive, p.text).length > 0,
  async handle(event, ctx, run) {
    const { msgid, text, userId, roomId, sentAt } = event.payload;
    const matches = matchRules(chatRules().sensitive, text);
    if (!matches.length) return 'ignored';
    const key = messageKey(msgid);
    const said = describeMatches(matches);

    return ctx.dataSource.transaction(async (manager) => {
      const lead = event.payload.leadId === null ? null : await followMerges(manager, event.payload.leadId);
      const repName = (await memberNames(manager, [userId])).get(userId) ?? userId;
      const managers = await managersOfRep(manager, userId);
      const where = lead ? `在与客户 ${leadLabel(lead)} 的聊天中` : `在客户群「${await groupName(manager, roomId)}」中`;
      const content = `【敏感词提醒】成员 ${repName} ${where}提到${said}，请关注。`;

      for (const boss of managers) {
        await queueRepNotice(manager, {
          leadId: lead?.id ?? null,
          userId: boss.userId,
          content,
          timelineSummary: `已向主管 ${boss.name} 发送敏感词提醒`,
          dedupKey: `chat.alert:${key}:${boss.userId}`,
        });
      }
      if (!managers.length) {
        // Ids only: the message itself is the customer's and the rep's, not the log's.
        ctx.logger.info({ msgid, userId, rules: matches.map((m) => m.id) }, 'sensitive words in a rep message, but the rep has no manager to alert');
      }
      if (lead) {
        const told = managers.length ? `，已提醒主管 ${managers.map((b) => b.name).join('、')}` : '，该成员没有主管，未发送提醒';
        run.records.addTimeline({
          leadId: lead.id,
          kind: 'chat.sensitive_word',
          summary: `成员 ${repName} 在聊天中提到${said}${told}`,
          data: { msgid, userId, roomId, rules: matches.map((m) => ({ id: m.id, label: m.label, matched: maskPhoneNumbersInText(m.matched) })), managers: managers.map((b) => b.userId) },
          dedupKey: `chat.sensitive:${key}`,
          occurredAt: sentAt,
        });
      }
      return managers.length || lead ? 'done' : 'ignored';
    });
  },
};

/** The customer group as the group sync named it (groups/group-chat.entity.ts). */
async function groupName(manager: EntityManager, roomId: string | null): Promise<string> {
  const group = roomId ? await manager.findOneBy(GroupChat, { chatId: roomId }) : null;
  return group?.name || '未命名客户群';
}

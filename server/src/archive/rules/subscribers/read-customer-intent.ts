import { followMerges } from '../../../capture/identity';
import { publishEvent } from '../../../events/publish';
import type { Subscriber } from '../../../events/types';
import { PRIORITY } from '../../../jobs/enqueue';
import { addLeadTags, tagNamesOf } from '../../../leads/lead-tags';
import { recordActivity } from '../../../leads/scoring/record-activity';
import { leadTaggedEvent } from '../../../leads/tags/lead-tagged-event';
import { maskPhoneNumbersInText } from '../../../privacy/phone-numbers';
import { chatRules } from '../chat-rules';
import { matchRules } from '../match-rules';
import { messageKey } from '../message-key';

/**
 * customer.message_received: what the customer's message says about their intent.
 * - Every message (text or not, 1:1 or in a group) is a `customer_reply` activity: the scoring
 *   rule behaviour.customer_reply counts it.
 * - Each intent rule of config/chat-rules.json the text matches is an `intent_keyword` activity
 *   whose value is the rule id (config/scoring.json gives its points and the reason the score
 *   breakdown shows), the rule's tags on the lead (Xiansuo's own, source chat; lead.tagged for
 *   those it did not have, so nurture can enroll on them), and a timeline entry
 *   客户在聊天中提到「报价」（询价）.
 * recordActivity queues the lead's re-score. Everything is keyed by the msgid: a message
 * delivered twice (the archive pulls a batch again after a crash) counts once.
 */
export const readCustomerIntent: Subscriber<'customer.message_received'> = {
  name: 'chat-read-customer-intent',
  priority: PRIORITY.background,
  async handle(event, ctx, run) {
    const { msgid, text, sentAt, userId } = event.payload;
    const roomId = event.payload.roomId ?? null;
    const key = messageKey(msgid);
    const rules = chatRules().intent;
    const matches = matchRules(rules, text).map((m) => ({ ...m, matched: maskPhoneNumbersInText(m.matched) }));

    return ctx.dataSource.transaction(async (manager) => {
      // A lead merged since the message was archived: the message belongs to the kept one.
      const lead = await followMerges(manager, event.payload.leadId);
      if (!lead) return 'ignored';
      await recordActivity(manager, { leadId: lead.id, kind: 'customer_reply', data: { msgid, userId, roomId }, dedupKey: `chat:${key}:reply`, occurredAt: sentAt });
      if (!matches.length) return 'done';

      for (const match of matches) {
        await recordActivity(manager, {
          leadId: lead.id,
          kind: 'intent_keyword',
          value: match.id,
          data: { msgid, matched: match.matched },
          dedupKey: `chat:${key}:${match.id}`,
          occurredAt: sentAt,
        });
        run.records.addTimeline({
          leadId: lead.id,
          kind: 'chat.intent',
          summary: `客户在聊天中提到「${match.matched}」（${match.label}）`,
          data: { msgid, ruleId: match.id, matched: match.matched, userId, roomId },
          dedupKey: `chat.intent:${key}:${match.id}`,
          occurredAt: sentAt,
        });
      }

      // The tags with the event that announces them, in one transaction: a retry finds the tags
      // there and announces nothing again (and the event's key is the message's anyway).
      const byId = new Map(rules.map((rule) => [rule.id, rule]));
      const wanted = [...new Set(matches.flatMap((m) => byId.get(m.id)?.tags ?? []))];
      const had = new Set(wanted.length ? await tagNamesOf(manager, lead.id) : []);
      const added = wanted.filter((tag) => !had.has(tag));
      if (added.length) {
        await addLeadTags(manager, added.map((name) => ({ leadId: lead.id, name, tagId: null, source: 'chat' })));
        await publishEvent(manager, leadTaggedEvent({ leadId: lead.id, tags: added, source: 'chat', cause: `chat:${key}`, at: event.occurredAt }));
      }
      return 'done';
    });
  },
};

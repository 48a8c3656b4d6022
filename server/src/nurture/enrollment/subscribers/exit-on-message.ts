import { LessThanOrEqual } from 'typeorm';
import { PRIORITY } from '../../../jobs/enqueue';
import type { Subscriber } from '../../../events/types';
import { DEFAULT_OPT_OUT_KEYWORDS, type ExitReason, type Sequence } from '../../sequences/schema';
import { NurtureEnrollment } from '../enrollment.entity';
import { exitEnrollments } from '../exit-enrollments';
import { mayExitOn, readSequenceTriggers } from '../trigger-snapshot';

/**
 * Full-width letters and digits as narrow ones (Chinese keyboards type ＴＤ as readily as TD),
 * spaces around trimmed, case folded: what an opt-out keyword and a message are compared as.
 */
const folded = (text: string) => text.normalize('NFKC').trim().toLowerCase();

/** Whether the message is one of the keywords as a whole (「退订」, 「TD 」, 「td」), not merely contains it. */
function isOptOutKeyword(text: string | null, keywords: readonly string[]): boolean {
  if (text === null) return false;
  const said = folded(text);
  return said.length > 0 && keywords.some((k) => folded(k) === said);
}

/**
 * customer.message_received: the customer wrote to a rep, so each sequence they are in ends —
 * with `opt_out_keyword` when the message is one of that sequence's opt-out keywords (keywords
 * are per sequence), else with `customer_reply`. A keyword is a reply too: a sequence that does
 * not exit on opt-out keywords but does on replies ends as replied. A sequence that lists
 * neither keeps the lead. A message sent before an enrollment began does not end it: the chat
 * archive delivers messages minutes late, and what the customer said before the lead joined a
 * sequence says nothing about it.
 *
 * An opt-out is also one timeline entry of its own (`nurture.opted_out`), quoting what the
 * customer sent: the exit entries say which sequences ended, this one says the customer asked
 * to stop, which a rep should know before pushing anything by hand.
 */
export const exitOnMessage: Subscriber<'customer.message_received'> = {
  name: 'nurture-exit-on-message',
  priority: PRIORITY.background,
  wants: () => mayExitOn(['customer_reply', 'opt_out_keyword']),
  async handle(event, ctx, run) {
    const { leadId, text, msgid, userId } = event.payload;
    const manager = ctx.dataSource.manager;
    const triggers = await readSequenceTriggers(manager);
    const active = await manager
      .getRepository(NurtureEnrollment)
      .find({ where: { leadId, status: 'active', enrolledAt: LessThanOrEqual(event.payload.sentAt) }, order: { id: 'ASC' } });
    if (active.length === 0) return 'ignored';

    const plan = active.map((enrollment) => {
      const sequence = triggers.all.get(enrollment.sequenceKey);
      const optOut = isOptOutKeyword(text, sequence?.exits.optOutKeywords ?? DEFAULT_OPT_OUT_KEYWORDS);
      return { enrollment, optOut, reason: exitReasonFor(sequence, optOut) };
    });
    if (plan.some((p) => p.optOut)) {
      run.records.addTimeline({
        leadId,
        kind: 'nurture.opted_out',
        summary: `客户发送了退订关键词「${text!.trim().slice(0, 20)}」`,
        data: { msgid, userId, text: text!.trim().slice(0, 20), sequenceKeys: plan.filter((p) => p.optOut).map((p) => p.enrollment.sequenceKey) },
        dedupKey: `nurture.opted_out:${leadId}:${msgid}`,
        occurredAt: event.occurredAt,
      });
    }
    let ended = 0;
    for (const { enrollment, reason } of plan) {
      if (!reason) continue;
      const exited = await exitEnrollments(manager, { leadId, reason, at: event.occurredAt, sequenceKey: enrollment.sequenceKey, records: run.records });
      ended += exited.length;
    }
    return ended > 0 ? 'done' : 'ignored';
  },
};

/** The first of the message's exits the sequence lists; a sequence no longer defined ends regardless (exitEnrollments). */
function exitReasonFor(sequence: Sequence | undefined, optOut: boolean): ExitReason | null {
  const candidates: ExitReason[] = optOut ? ['opt_out_keyword', 'customer_reply'] : ['customer_reply'];
  if (!sequence) return candidates[0];
  return candidates.find((reason) => sequence.exits.on.includes(reason)) ?? null;
}

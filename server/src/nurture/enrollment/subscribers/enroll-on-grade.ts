import { PRIORITY } from '../../../jobs/enqueue';
import type { Subscriber } from '../../../events/types';
import { enrollmentCauseKey } from '../cause-key';
import { enrollLead } from '../enroll-lead';
import { gradeMayEnroll, readSequenceTriggers } from '../trigger-snapshot';

/**
 * lead.grade_changed: the lead entered a score band (its grade became A, B or C), upwards or
 * downwards, and joins every enabled sequence whose score_band trigger names that grade. `wants`
 * is a Set lookup in memory (trigger-snapshot.ts): a re-score of every lead writes no job for a
 * grade no sequence names.
 */
export const enrollOnGrade: Subscriber<'lead.grade_changed'> = {
  name: 'nurture-enroll-on-grade',
  priority: PRIORITY.background,
  wants: (p) => gradeMayEnroll(p.to),
  async handle(event, ctx, run) {
    const manager = ctx.dataSource.manager;
    const { leadId, to } = event.payload;
    const sequences = (await readSequenceTriggers(manager)).forGrade(to);
    if (sequences.length === 0) return 'ignored';
    for (const sequence of sequences) {
      await enrollLead(manager, {
        leadId,
        sequenceKey: sequence.key,
        sequence,
        reason: { type: 'score_band', grade: to },
        at: event.occurredAt,
        key: enrollmentCauseKey(run.key, sequence.key),
        records: run.records,
      });
    }
    return 'done';
  },
};

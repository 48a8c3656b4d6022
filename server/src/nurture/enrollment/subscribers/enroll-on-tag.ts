import { PRIORITY } from '../../../jobs/enqueue';
import type { Subscriber } from '../../../events/types';
import { enrollmentCauseKey } from '../cause-key';
import { enrollLead } from '../enroll-lead';
import { readSequenceTriggers, tagsMayEnroll } from '../trigger-snapshot';

/**
 * lead.tagged: the lead joins every enabled sequence whose tag_added trigger names one of the
 * tags it just got (a rep's edit, a WeCom tag sync, a store entry, a web form, a nurture step).
 * A sequence naming several of them enrolls once, for the first. `wants` is a Set lookup in
 * memory (trigger-snapshot.ts): while no sequence names a tag, tagging writes nothing more.
 */
export const enrollOnTag: Subscriber<'lead.tagged'> = {
  name: 'nurture-enroll-on-tag',
  priority: PRIORITY.background,
  wants: (p) => tagsMayEnroll(p.tags),
  async handle(event, ctx, run) {
    const manager = ctx.dataSource.manager;
    const matched = (await readSequenceTriggers(manager)).forTags(event.payload.tags);
    if (matched.length === 0) return 'ignored';
    for (const { sequence, tag } of matched) {
      await enrollLead(manager, {
        leadId: event.payload.leadId,
        sequenceKey: sequence.key,
        sequence,
        reason: { type: 'tag_added', tag },
        at: event.occurredAt,
        key: enrollmentCauseKey(run.key, sequence.key),
        records: run.records,
      });
    }
    return 'done';
  },
};

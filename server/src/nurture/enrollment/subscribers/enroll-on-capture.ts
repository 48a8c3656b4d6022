import { PRIORITY } from '../../../jobs/enqueue';
import type { Subscriber } from '../../../events/types';
import type { Sequence } from '../../sequences/schema';
import { enrollmentCauseKey } from '../cause-key';
import { enrollLead } from '../enroll-lead';
import type { EnrollReason } from '../reasons';
import { captureMayEnroll, readSequenceTriggers, tagsMayEnroll } from '../trigger-snapshot';

/**
 * lead.captured: the lead joins every enabled sequence whose channel_capture trigger names the
 * channel it came by (by id or by state), and every one whose tag_added trigger names one of the
 * channel's tags — the tags the channel puts on every customer it brings are tags the lead got,
 * and no lead.tagged is published for them. A sequence both name enrolls once, for the channel.
 * `wants` is a Set lookup in memory (trigger-snapshot.ts), so a capture through a channel no
 * sequence names, with tags none names, costs nothing.
 */
export const enrollOnCapture: Subscriber<'lead.captured'> = {
  name: 'nurture-enroll-on-capture',
  priority: PRIORITY.background,
  wants: (p) => captureMayEnroll(p.channelId) || tagsMayEnroll(p.channelTags),
  async handle(event, ctx, run) {
    const { leadId, channelId, channelName, channelTags } = event.payload;
    if ((channelId === null || channelId === undefined) && !channelTags?.length) return 'ignored';
    const manager = ctx.dataSource.manager;
    const triggers = await readSequenceTriggers(manager);
    const matched = new Map<string, { sequence: Sequence; reason: EnrollReason }>();
    if (channelId !== null && channelId !== undefined) {
      for (const sequence of triggers.forChannel(channelId)) {
        matched.set(sequence.key, { sequence, reason: { type: 'channel_capture', channelId, channelName: channelName ?? null } });
      }
    }
    for (const { sequence, tag } of triggers.forTags(channelTags ?? [])) {
      if (!matched.has(sequence.key)) matched.set(sequence.key, { sequence, reason: { type: 'tag_added', tag } });
    }
    if (matched.size === 0) return 'ignored';
    for (const { sequence, reason } of matched.values()) {
      await enrollLead(manager, {
        leadId,
        sequenceKey: sequence.key,
        sequence,
        reason,
        at: event.occurredAt,
        key: enrollmentCauseKey(run.key, sequence.key),
        records: run.records,
      });
    }
    return 'done';
  },
};

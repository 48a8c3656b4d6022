import { PRIORITY } from '../../../jobs/enqueue';
import type { Subscriber } from '../../../events/types';
import { captureMayEnroll, sequencesForCapture } from '../capture-triggers';
import { enrollLead } from '../enroll-lead';

/**
 * lead.captured through a channel: the lead joins every enabled sequence whose channel_capture
 * trigger names that channel (by id or by state). `wants` is a Set lookup in memory
 * (capture-triggers.ts), so a capture through a channel no sequence names costs nothing.
 */
export const enrollOnCapture: Subscriber<'lead.captured'> = {
  name: 'nurture-enroll-on-capture',
  priority: PRIORITY.background,
  wants: (p) => captureMayEnroll(p.channelId),
  async handle(event, ctx, run) {
    const { leadId, channelId, channelName } = event.payload;
    if (channelId === null || channelId === undefined) return 'ignored';
    const manager = ctx.dataSource.manager;
    const sequences = await sequencesForCapture(manager, channelId);
    if (sequences.length === 0) return 'ignored';
    for (const sequence of sequences) {
      await enrollLead(manager, {
        leadId,
        sequenceKey: sequence.key,
        sequence,
        reason: { type: 'channel_capture', channelId, channelName: channelName ?? null },
        at: event.occurredAt,
        key: `${run.key}:${sequence.key}`,
        records: run.records,
      });
    }
    return 'done';
  },
};

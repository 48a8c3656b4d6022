import { PRIORITY } from '../../jobs/enqueue';
import { markTags } from '../../leads/jobs/mark-tag-job';
import type { Subscriber } from '../../events/types';

/** lead.captured by a channel code with tags: put the channel's corp tags on the customer in WeCom. */
export const tagWithChannelTags: Subscriber<'lead.captured'> = {
  name: 'channel-tags',
  priority: PRIORITY.tagging,
  wants: (p) => !!p.channelTags?.length && !!p.userId && !!p.externalUserId,
  handle: (event, ctx, run) =>
    markTags(
      ctx,
      {
        leadId: event.payload.leadId,
        userId: event.payload.userId!,
        externalUserId: event.payload.externalUserId!,
        tagNames: event.payload.channelTags!,
        source: `channel:${event.payload.channelId}`,
      },
      `${run.key}:tags`,
      run.records,
    ),
};

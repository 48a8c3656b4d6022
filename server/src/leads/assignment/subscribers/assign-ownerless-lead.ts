import { PRIORITY } from '../../../jobs/enqueue';
import type { Subscriber } from '../../../events/types';
import { assignLead } from '../assign-lead-job';

/** lead.captured without an owner (web form, import, group join): assignment rules decide who gets it. */
export const assignCapturedLead: Subscriber<'lead.captured'> = {
  name: 'assign-captured',
  priority: PRIORITY.notice,
  wants: (p) => p.created && !p.ownerUserId,
  handle: (event, ctx, run) => assignLead(ctx, { leadId: event.payload.leadId, key: run.key }),
};

/** lead.owner_changed by a rep's return: assignment again, leaving out the rep who gave it back. */
export const reassignReturnedLead: Subscriber<'lead.owner_changed'> = {
  name: 'assign-returned',
  priority: PRIORITY.notice,
  wants: (p) => p.kind === 'returned',
  handle: (event, ctx, run) =>
    assignLead(ctx, { leadId: event.payload.leadId, excludeUserIds: event.payload.fromUserId ? [event.payload.fromUserId] : [], key: run.key }),
};

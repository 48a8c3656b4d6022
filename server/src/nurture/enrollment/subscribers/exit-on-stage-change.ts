import { PRIORITY } from '../../../jobs/enqueue';
import type { Subscriber } from '../../../events/types';
import type { ExitReason } from '../../sequences/schema';
import { exitEnrollments } from '../exit-enrollments';

/**
 * The stages that end nurture: the lead became sales-qualified (stage `qualified`, 已确认意向:
 * SQL in the words; `opportunity` lies beyond it), was won, or was lost.
 */
export const EXIT_BY_STAGE: ReadonlyMap<string, ExitReason> = new Map<string, ExitReason>([
  ['qualified', 'reached_sql'],
  ['opportunity', 'reached_sql'],
  ['won', 'won'],
  ['lost', 'lost'],
]);

/** lead.stage_changed to SQL, won or lost: the lead leaves the sequences that exit on it. */
export const exitOnStageChange: Subscriber<'lead.stage_changed'> = {
  name: 'nurture-exit-on-stage',
  priority: PRIORITY.background,
  wants: (p) => EXIT_BY_STAGE.has(p.to),
  async handle(event, ctx, run) {
    const reason = EXIT_BY_STAGE.get(event.payload.to);
    if (!reason) return 'ignored';
    const ended = await exitEnrollments(ctx.dataSource.manager, { leadId: event.payload.leadId, reason, at: event.occurredAt, records: run.records });
    return ended.length > 0 ? 'done' : 'ignored';
  },
};

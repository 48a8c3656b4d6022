import type { AppContext } from '../../context';
import type { Job } from '../../jobs/job.entity';
import { Lead } from '../lead.entity';
import { LeadTag } from '../lead-tag.entity';
import { putInPool } from '../pool/put-in-pool';
import { assignWithinTeam, isAssignable } from './assign-in-team';
import { routeLead } from './route-lead';

interface AssignPayload {
  leadId: number;
  cause: string;
  excludeUserIds?: string[];
}

/**
 * A lead without an owner goes through the ordered rules to a team, then round-robin to a rep
 * under the cap; no team or nobody free → the public pool. A lead that meanwhile got an owner
 * (the customer added a rep) is left alone. `key` keys what it writes.
 */
export async function assignLead(ctx: AppContext, input: { leadId: number; excludeUserIds?: string[]; key: string }) {
  const manager = ctx.dataSource.manager;
  const lead = await manager.findOneBy(Lead, { id: input.leadId });
  if (!lead) return 'ignored' as const;
  if (!isAssignable(lead)) return 'skipped' as const;
  const tags = (await manager.find(LeadTag, { where: { leadId: lead.id } })).map((t) => t.name);
  const { key } = input;

  const route = await routeLead(manager, { lead, tags });
  if (!route.team) {
    const moved = await ctx.dataSource.transaction((m) => putInPool(m, { lead, teamId: null, reason: route.why, dedupKey: `${key}:pooled` }));
    return moved ? ('done' as const) : ('skipped' as const);
  }
  const outcome = await assignWithinTeam(ctx, { leadId: lead.id, team: route.team, via: route.via, exclude: input.excludeUserIds ?? [], key });
  if (outcome.kind === 'assigned') ctx.logger.info({ leadId: lead.id, userId: outcome.userId }, 'lead assigned');
  return outcome.kind === 'skipped' ? ('skipped' as const) : ('done' as const);
}

/** Job `lead.assign`: assignment requests queued before domain events (kept for rows in flight). */
export function assignLeadJob(job: Job, ctx: AppContext) {
  const payload = job.payload as unknown as AssignPayload;
  return assignLead(ctx, { leadId: payload.leadId, excludeUserIds: payload.excludeUserIds, key: `job:${job.id}` });
}

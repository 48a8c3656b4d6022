import type { Lead } from '../lead.entity';
import { presentLead } from '../presenters';

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

/** A lead with who holds it and since when (phone masked by presentLead). */
export function presentLeadOwnership(lead: Lead, tags: string[]) {
  return {
    ...presentLead(lead, tags),
    grade: lead.grade,
    teamId: lead.teamId,
    inPool: lead.inPool,
    poolSince: iso(lead.poolSince),
    assignedAt: iso(lead.assignedAt),
    lastFollowUpAt: iso(lead.lastFollowUpAt),
  };
}

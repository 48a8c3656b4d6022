import type { Lead } from '../lead.entity';
import { presentLead } from '../presenters';
import { isoOrNull } from '../../util/time';

/** A lead with who holds it and since when (phone masked by presentLead). */
export function presentLeadOwnership(lead: Lead, tags: string[]) {
  return {
    ...presentLead(lead, tags),
    grade: lead.grade,
    teamId: lead.teamId,
    inPool: lead.inPool,
    poolSince: isoOrNull(lead.poolSince),
    assignedAt: isoOrNull(lead.assignedAt),
    lastFollowUpAt: isoOrNull(lead.lastFollowUpAt),
  };
}

import type { LeadStage } from '../lead.entity';
import { isoOrNull } from '../../util/time';

export function presentStageChange(r: { id: number; from: LeadStage; stage: LeadStage; stageChangedAt: number; customerSince: number | null }) {
  return { id: r.id, from: r.from, stage: r.stage, stageChangedAt: isoOrNull(r.stageChangedAt), customerSince: isoOrNull(r.customerSince) };
}

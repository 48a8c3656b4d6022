import type { LeadStage } from '../lead.entity';

const iso = (ms: number | null) => (ms ? new Date(ms).toISOString() : null);

export function presentStageChange(r: { id: number; from: LeadStage; stage: LeadStage; stageChangedAt: number; customerSince: number | null }) {
  return { id: r.id, from: r.from, stage: r.stage, stageChangedAt: iso(r.stageChangedAt), customerSince: iso(r.customerSince) };
}

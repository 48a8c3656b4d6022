import type { LeadStage } from '../lead.entity';

/**
 * The stage machine. Reps move a lead one step forward at a time, can drop it (lost) from any
 * open stage, and can reopen a lost lead (back to contacted). `won` is final: a customer who
 * stops buying is handled by nurture, not by rewinding the sale.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<LeadStage, readonly LeadStage[]>> = {
  new: ['contacted', 'lost'],
  contacted: ['qualified', 'lost'],
  qualified: ['opportunity', 'lost'],
  opportunity: ['won', 'lost'],
  lost: ['contacted'],
  won: [],
};

/** What reps read on the timeline and in the mini-program. */
export const STAGE_LABELS: Readonly<Record<LeadStage, string>> = {
  new: '新线索',
  contacted: '已联系',
  qualified: '已确认意向',
  opportunity: '商机',
  won: '已成交',
  lost: '已流失',
};

/** The forward path the funnel counts along; `lost` is off the path. */
export const PIPELINE: readonly LeadStage[] = ['new', 'contacted', 'qualified', 'opportunity', 'won'];

export function isAllowedTransition(from: LeadStage, to: LeadStage): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

import { hidden, type PolicyActor, seesEverything, worksLeads } from './actor';

/**
 * Who may read the sequences a lead can be enrolled in by hand: whoever may enroll some lead
 * (members who work leads, and admins; the lead policy's `nurture` action decides per lead).
 * Store staff have no leads: for them the list does not exist (404, as every list they have no
 * business with).
 */
export function authorizeHandSequences(actor: PolicyActor): void {
  if (!seesEverything(actor) && !worksLeads(actor)) throw hidden('记录');
}

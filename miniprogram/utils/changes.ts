/**
 * Pages that change a lead (claim, return, stage, follow-up, tags) bump a version, so that the
 * list and the detail reload when the rep comes back to them instead of showing stale data.
 */
let version = 0;

export function markLeadsChanged(): void {
  version += 1;
}

export function leadsVersion(): number {
  return version;
}

/** GET /api/console/audit (server/src/console/audit-view.ts). */
export interface AuditRow {
  id: number;
  action: string;
  actionLabel: string;
  actorUserId: string;
  actorName: string;
  leadId: number | null;
  leadName: string | null;
  purpose: string;
  /** What an export, a reassignment or a merge covered, in a sentence. */
  description: string | null;
  at: string;
}

export interface AuditPage {
  items: AuditRow[];
  nextCursor: string | null;
}

/** GET /api/console/audit/options. */
export interface AuditOptions {
  actions: Array<{ action: string; label: string }>;
  people: Array<{ userId: string; name: string }>;
}

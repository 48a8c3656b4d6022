/** GET /api/console/setup-check (server/src/console/setup-check/run-setup-check.ts). */
export type CheckStatus = 'ok' | 'warning' | 'failed';

export interface SetupCheckItem {
  key: string;
  title: string;
  status: CheckStatus;
  found: string;
  fix: string | null;
  details?: Record<string, unknown>;
}

export interface SetupCheckReport {
  checkedAt: string;
  status: CheckStatus;
  items: SetupCheckItem[];
}

/** GET /api/console/leads (server/src/console/leads/lead-table.ts). */
export interface LeadRow {
  id: number;
  name: string;
  avatar: string | null;
  /** Always masked (138****5678); the full number only through a logged reveal. */
  phone: string | null;
  grade: string | null;
  score: number;
  stage: string;
  stageLabel: string;
  channel: { id: number; name: string } | null;
  tags: string[];
  ownerUserId: string | null;
  ownerName: string | null;
  inPool: boolean;
  nextStepAt: string | null;
  lastInteractionAt: string | null;
  createdAt: string | null;
}

export interface LeadTable {
  items: LeadRow[];
  total: number;
  page: number;
  pageSize: number;
  /** How far number paging reaches; past it a person narrows the filter. */
  maxWindow: number;
}

/** GET /api/console/leads/options. */
export interface LeadOptions {
  stages: Array<{ stage: string; label: string }>;
  grades: string[];
  channels: Array<{ id: number; name: string }>;
  /** Whom the member may filter by and give leads to. */
  members: Array<{ userId: string; name: string }>;
  tags: Array<{ name: string; group: string }>;
}

/** GET /api/console/leads/:id (server/src/console/leads/lead-view.ts). */
export interface LeadView extends LeadRow {
  corpName: string | null;
  gender: number | null;
  scoredAt: string | null;
  scoreBreakdown: Array<{ label: string; points: number }>;
  timeline: Array<{ id: number; kind: string; summary: string; occurredAt: string | null }>;
  followUps: Array<{ id: number; userId: string; userName: string; kindLabel: string; outcomeLabel: string | null; content: string | null; nextStepAt: string | null; createdAt: string | null }>;
  actions: { canReveal: boolean; canChangeStage: boolean; canReassign: boolean; canMerge: boolean };
  nextStages: Array<{ stage: string; label: string }>;
}

/** An Excel export (server/src/console/leads/export/lead-exports.ts). */
export interface LeadExportJob {
  id: number;
  status: 'pending' | 'running' | 'done' | 'failed';
  total: number;
  done: number;
  fileName: string;
  fileSize: number | null;
  error: string | null;
  purpose: string;
  createdAt: string;
  finishedAt: string | null;
  expiresAt: string;
}

/** The table's filters, as the URL and the API take them. */
export interface LeadFilter {
  q?: string;
  phone?: string;
  stage?: string;
  grade?: string;
  channelId?: number;
  ownerUserId?: string;
  tag?: string;
  inPool?: 'true' | 'false';
}

/** POST /api/console/leads/:id/phone/reveal, with the purpose given: shown on the page, never stored by it. */
export interface Revealed {
  phone: string | null;
  name: string;
  corpName: string | null;
  purpose: string;
}

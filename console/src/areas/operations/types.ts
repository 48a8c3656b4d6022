/** GET /api/console/operations/queues: row counts by status (server/src/queue/operator-queues.ts). */
export interface QueueCounts {
  inbox: Record<string, number>;
  welcomes: Record<string, number>;
  jobs: Record<string, number>;
}

export type QueueName = keyof QueueCounts;

/** One row of GET /api/console/operations/items. */
export interface QueueItem {
  id: number;
  queue: QueueName;
  kind: string;
  kindLabel: string;
  status: string;
  attempts: number;
  /** As stored, for engineers: copied, never shown. */
  lastError: string | null;
  error: { summary: string; errcode: number | null } | null;
  createdAt: string | null;
  finishedAt: string | null;
  deadlineAt?: string | null;
  replayable: boolean;
}

export interface QueuePage {
  items: QueueItem[];
  total: number;
  page: number;
  pageSize: number;
}

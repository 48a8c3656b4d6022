import { BoundedLog } from '../bounded-log';

/** App messages to members (message/send, wecom-reference.md §5) and the duplicate check's memory. */

export interface AppMessage {
  msgid: string;
  agentid: number;
  msgtype: string;
  /** Valid recipients (after expanding `@all`). */
  touser: string[];
  invaliduser: string[];
  /** The msgtype-specific body, e.g. `{ content }` for text. */
  content: unknown;
  at: number;
  /** True when enable_duplicate_check suppressed the delivery. */
  deduplicated: boolean;
}

export class AppMessageStore {
  readonly sent: BoundedLog<AppMessage>;
  /** message/send duplicate check: message key → time first delivered. */
  readonly recent = new Map<string, number>();

  constructor(maxRecords: number) {
    this.sent = new BoundedLog<AppMessage>(maxRecords);
  }

  /** Remembers a delivered message for the duplicate check, forgetting ones older than `horizonMs`. */
  remember(key: string, at: number, horizonMs: number): void {
    // Delete first so the entry moves to the end of the insertion order the pruning relies on.
    this.recent.delete(key);
    this.recent.set(key, at);
    // Prune now and then rather than on every send: Map iteration is insertion-ordered, so stop early.
    if (this.recent.size % 1000 === 0) {
      for (const [k, sentAt] of this.recent) {
        if (at - sentAt <= horizonMs) break;
        this.recent.delete(k);
      }
    }
  }
}

import { BoundedLog } from './bounded-log';

/** One API call as the simulator saw it. Secrets in the query are replaced with '***'. */
export interface CallRecord {
  /** Relative to /cgi-bin/, e.g. `externalcontact/mark_tag`. */
  path: string;
  method: string;
  query: Record<string, string>;
  /** Parsed JSON body (the raw text when it was not JSON; undefined for GET). */
  body: unknown;
  /** null when the connection was dropped by a fault. */
  errcode: number | null;
  errmsg?: string;
  /** Clock time (ms) when the call arrived. */
  at: number;
}

const SECRET_PARAMS = new Set(['access_token', 'corpsecret']);

export function redactQuery(query: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) out[key] = SECRET_PARAMS.has(key) ? '***' : value;
  return out;
}

export class CallLog {
  private readonly log: BoundedLog<CallRecord>;

  constructor(max: number) {
    this.log = new BoundedLog(max);
  }

  record(call: CallRecord): void {
    this.log.push(call);
  }

  get all(): readonly CallRecord[] {
    return this.log.items;
  }

  to(path: string): CallRecord[] {
    return this.log.items.filter((c) => c.path === path);
  }

  successful(path: string): CallRecord[] {
    return this.log.items.filter((c) => c.path === path && c.errcode === 0);
  }

  clear(): void {
    this.log.clear();
  }
}

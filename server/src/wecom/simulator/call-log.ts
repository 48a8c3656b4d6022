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
  /** Set when a frequency limit answered 45009: the rule's name (see frequency-limits.ts). */
  limitedBy?: string;
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
  /** errcode → path → answers; kept apart from the bounded log so long runs still count every one. */
  private readonly answers = new Map<number, Map<string, number>>();

  constructor(max: number) {
    this.log = new BoundedLog(max);
  }

  record(call: CallRecord): void {
    this.log.push(call);
    if (call.errcode === null) return;
    let byPath = this.answers.get(call.errcode);
    if (!byPath) this.answers.set(call.errcode, (byPath = new Map()));
    byPath.set(call.path, (byPath.get(call.path) ?? 0) + 1);
  }

  /** How many calls (to `path`, or to any API) were answered with `errcode`. */
  answered(errcode: number, path?: string): number {
    const byPath = this.answers.get(errcode);
    if (!byPath) return 0;
    if (path !== undefined) return byPath.get(path) ?? 0;
    let total = 0;
    for (const n of byPath.values()) total += n;
    return total;
  }

  /** Per path, how many calls were answered with `errcode`. */
  answeredByPath(errcode: number): Record<string, number> {
    return Object.fromEntries(this.answers.get(errcode) ?? []);
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
    this.answers.clear();
  }
}

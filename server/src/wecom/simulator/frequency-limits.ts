/**
 * WeCom's frequency limits (wecom-reference.md §8): every API has its own budget per corp and per
 * calling IP; past it WeCom answers 45009 and keeps the API blocked for the rule's block time
 * (minute limit → 60 s, hour limit → 60 min), whatever the caller does meanwhile.
 *
 * Simulator choices where the reference is silent:
 * - Windows slide (a call counts for exactly `windowMs` after it arrived). That is the strictest
 *   reading: a caller that stays under a sliding window also stays under any fixed one.
 * - Calls answered 45009 do not count towards the budget, and calls during a block do not extend it.
 * - gettoken is counted like any API (WeCom throttles it at an unpublished threshold).
 * - message/send is exempt: §8 puts app messages outside the base limit (their own limits are in §5,
 *   not modelled here).
 */

export interface FrequencyLimit {
  /** Whose calls share the budget: the corp's (per API) or one calling IP's (per API). */
  scope: 'corp' | 'ip';
  /** Calls allowed within any `windowMs`. */
  limit: number;
  windowMs: number;
  /** How long every call to the API answers 45009 once the limit was passed. */
  blockMs: number;
  /** Names the rule in errmsg and the call record; defaults to e.g. "corp 10000/60s". */
  name?: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The published defaults (wecom-reference.md §8; self-built apps, not third-party providers). */
export const WECOM_FREQUENCY_LIMITS: readonly FrequencyLimit[] = [
  { name: 'corp per API per minute', scope: 'corp', limit: 10_000, windowMs: MINUTE, blockMs: MINUTE },
  { name: 'corp per API per hour', scope: 'corp', limit: 150_000, windowMs: HOUR, blockMs: HOUR },
  { name: 'IP per API per minute', scope: 'ip', limit: 20_000, windowMs: MINUTE, blockMs: MINUTE },
  { name: 'IP per API per hour', scope: 'ip', limit: 600_000, windowMs: HOUR, blockMs: HOUR },
];

/** APIs outside the base per-API limit (wecom-reference.md §8: app messages have their own, §5). */
const EXEMPT = new Set(['message/send']);

/** Arrival times of the calls in the window, oldest first, plus the block. */
class Window {
  private times: number[] = [];
  private head = 0;
  blockedUntil = 0;

  /** Calls within `windowMs` before `now`. */
  count(now: number, windowMs: number): number {
    while (this.head < this.times.length && now - this.times[this.head] >= windowMs) this.head++;
    // Drop the consumed prefix now and then, so the array stays about `limit` long.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  add(now: number): void {
    this.times.push(now);
  }
}

function validate(rule: FrequencyLimit): void {
  for (const field of ['limit', 'windowMs', 'blockMs'] as const) {
    if (!Number.isInteger(rule[field]) || rule[field] < 1) throw new Error(`frequency limit ${field} must be a positive integer`);
  }
}

export class FrequencyLimiter {
  private readonly rules: FrequencyLimit[];
  /** One window per rule and key (API, or IP + API). */
  private readonly windows: Array<Map<string, Window>>;

  constructor(
    rules: readonly FrequencyLimit[],
    private readonly now: () => number,
  ) {
    rules.forEach(validate);
    this.rules = rules.map((r) => ({ ...r, name: r.name ?? `${r.scope} ${r.limit}/${r.windowMs / 1000}s` }));
    this.windows = this.rules.map(() => new Map());
  }

  get limits(): readonly FrequencyLimit[] {
    return this.rules;
  }

  /**
   * Counts one call to `path` from `ip`. Returns the name of the rule that refuses it (the caller
   * answers 45009), or undefined when every budget had room (the call then counts in all of them).
   */
  admit(path: string, ip: string): string | undefined {
    if (EXEMPT.has(path) || this.rules.length === 0) return undefined;
    const now = this.now();
    const windows = this.rules.map((rule, i) => {
      const key = rule.scope === 'corp' ? path : `${ip} ${path}`;
      let window = this.windows[i].get(key);
      if (!window) this.windows[i].set(key, (window = new Window()));
      return window;
    });
    // A block refuses first, then a full window starts one; only an admitted call is counted.
    for (let i = 0; i < this.rules.length; i++) if (windows[i].blockedUntil > now) return this.rules[i].name;
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i];
      if (windows[i].count(now, rule.windowMs) >= rule.limit) {
        windows[i].blockedUntil = now + rule.blockMs;
        return rule.name;
      }
    }
    for (const window of windows) window.add(now);
    return undefined;
  }

  /** Forgets all counts and blocks (e.g. between benchmark phases). */
  reset(): void {
    for (const map of this.windows) map.clear();
  }
}

import { ApiError, Errcode } from './errors';

/** `'*'` matches every path. Paths are relative to /cgi-bin/, e.g. `externalcontact/mark_tag`. */
export interface FaultSpec {
  path: string;
  /** Answer with this errcode instead of handling the call. */
  errcode?: number;
  errmsg?: string;
  /** How many matching calls the fault affects (default 1). */
  times?: number;
  /** Delay before answering (applied before errcode/dropConnection). */
  latencyMs?: number;
  /** Destroy the socket without answering, like a network failure. */
  dropConnection?: boolean;
  /**
   * Handle the call (WeCom acts: a welcome is sent, a tag marked), then destroy the socket
   * without answering: the reply is lost on the way back, so the caller cannot know it worked.
   */
  loseReply?: boolean;
}

interface ActiveFault extends FaultSpec {
  remaining: number;
}

/** What the server should do with one call, decided before the handler runs. */
export interface FaultDecision {
  latencyMs: number;
  dropConnection: boolean;
  loseReply: boolean;
  error?: ApiError;
  /** Must be called when the call finishes (releases the concurrency slot). */
  release: () => void;
}

const matches = (pattern: string, path: string) => pattern === '*' || pattern === path;

/**
 * Injectable failures for tests and benchmarks: one-off errcodes/latency/dropped connections,
 * per-path rate limits (45009) and concurrency limits (45033).
 */
export class Faults {
  private faults: ActiveFault[] = [];
  private readonly rateLimits = new Map<string, { max: number; windowStart: number; count: number }>();
  private readonly concurrencyLimits = new Map<string, { max: number; inFlight: number }>();

  constructor(private readonly now: () => number) {}

  inject(spec: FaultSpec): void {
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error('fault times must be a positive integer');
    this.faults.push({ ...spec, remaining: times });
  }

  /** At most `maxPerSecond` calls per clock second reach the handler; the excess get 45009. */
  rateLimit(path: string, maxPerSecond: number): void {
    this.rateLimits.set(path, { max: maxPerSecond, windowStart: 0, count: 0 });
  }

  /** At most `n` calls may be in flight at once; the excess get 45033. */
  maxConcurrent(path: string, n: number): void {
    this.concurrencyLimits.set(path, { max: n, inFlight: 0 });
  }

  /** Removes injected faults and all limits. */
  clear(): void {
    this.faults = [];
    this.rateLimits.clear();
    this.concurrencyLimits.clear();
  }

  get pending(): readonly FaultSpec[] {
    return this.faults;
  }

  /** Consumes whatever applies to this call. Order: concurrency, rate limit, injected fault. */
  decide(path: string): FaultDecision {
    const slots = [...this.concurrencyLimits].filter(([p]) => matches(p, path)).map(([, limit]) => limit);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      for (const limit of slots) limit.inFlight -= 1;
    };
    for (const limit of slots) limit.inFlight += 1;
    const decision: FaultDecision = { latencyMs: 0, dropConnection: false, loseReply: false, release };

    if (slots.some((limit) => limit.inFlight > limit.max)) {
      decision.error = new ApiError(Errcode.tooManyConcurrent, 'api concurrent call limit exceeded');
      return decision;
    }

    for (const [pattern, limit] of this.rateLimits) {
      if (!matches(pattern, path)) continue;
      const second = Math.floor(this.now() / 1000);
      if (limit.windowStart !== second) {
        limit.windowStart = second;
        limit.count = 0;
      }
      if (limit.count >= limit.max) {
        decision.error = new ApiError(Errcode.rateLimited, 'api freq out of limit');
        return decision;
      }
      limit.count += 1;
    }

    const index = this.faults.findIndex((f) => matches(f.path, path));
    if (index >= 0) {
      const fault = this.faults[index];
      fault.remaining -= 1;
      if (fault.remaining === 0) this.faults.splice(index, 1);
      decision.latencyMs = fault.latencyMs ?? 0;
      decision.dropConnection = fault.dropConnection ?? false;
      decision.loseReply = fault.loseReply ?? false;
      if (fault.errcode !== undefined) decision.error = new ApiError(fault.errcode, fault.errmsg ?? 'simulated fault');
    }
    return decision;
  }
}

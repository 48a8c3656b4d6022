/**
 * Paces calls under WeCom's per-API frequency limits (wecom-reference.md §8: per corp and API,
 * 10,000/min and 150,000/h; past them 45009 and the API blocked for 60 s or 60 min). One limiter
 * serves every WecomClient of the process, keyed by corp and API path, so the contact and agent
 * clients share a corp's budget as WeCom counts it.
 *
 * Not rate-limiter-flexible (already a dependency, used for inbound limits): its memory limiter
 * counts in fixed windows, which let up to twice the limit through within one sliding minute
 * (the end of one window plus the start of the next), and its RateLimiterQueue serves strictly
 * first come, first served, so a welcome would wait behind every queued tagging call. Bottleneck
 * and p-queue have priorities but also refill in fixed intervals. Here: sliding windows counted
 * in buckets, rounded so the count is never below the truth, and two queues per API.
 */

import { WecomPacingTimeout } from './errors';

export interface RateBudget {
  /** Calls allowed within any `windowMs`. */
  limit: number;
  windowMs: number;
  /**
   * Urgent calls may go on up to this many (default `limit`): a reserve normal calls never
   * touch, so a welcome burst can use headroom that tagging must leave.
   */
  urgentLimit?: number;
}

/** `urgent` waiters (welcomes, token refreshes) are served before `normal` ones of the same API. */
export type CallPriority = 'urgent' | 'normal';

export interface WecomRateLimiterOptions {
  budgets: RateBudget[];
  /**
   * WeCom counts a call when it arrives, this side when it leaves: each call is counted this much
   * longer than the window, for requests that take a while to get there. Default 1000 ms.
   */
  marginMs?: number;
  /** API paths not paced (wecom-reference.md §8 puts message/send outside the base limit). */
  exempt?: Iterable<string>;
  now?: () => number;
  /** Told when an API's budget runs out and calls start to wait (once per API per window). */
  onExhausted?: (key: string, waiting: number) => void;
}

export interface WaitOptions {
  priority?: CallPriority;
  /** Give up (WecomPacingTimeout) rather than be served after this epoch-ms time. */
  deadlineAt?: number;
}

/** A unit of budget taken for one call; `sent()` re-dates it to when the request actually leaves. */
export interface RateTicket {
  sent(): void;
}

const BUCKETS = 60;
const NOOP_TICKET: RateTicket = { sent: () => undefined };

/**
 * One budget rule for one key: calls counted in BUCKETS + 1 buckets of `width` ms. A call in
 * bucket k counts until bucket k + BUCKETS has passed, i.e. for at least windowMs + marginMs.
 */
class BucketCounter {
  private readonly counts: number[];
  private readonly indexes: number[];
  private total = 0;

  constructor(
    private readonly limit: number,
    private readonly urgentLimit: number,
    private readonly width: number,
  ) {
    this.counts = new Array<number>(BUCKETS + 1).fill(0);
    this.indexes = new Array<number>(BUCKETS + 1).fill(-Infinity);
  }

  private bucket(now: number): number {
    return Math.floor(now / this.width);
  }

  /** Drops buckets that have left the window. */
  private expire(now: number): void {
    const oldest = this.bucket(now) - BUCKETS;
    for (let slot = 0; slot <= BUCKETS; slot++) {
      if (this.counts[slot] > 0 && this.indexes[slot] < oldest) {
        this.total -= this.counts[slot];
        this.counts[slot] = 0;
      }
    }
  }

  private limitFor(urgent: boolean): number {
    return urgent ? this.urgentLimit : this.limit;
  }

  hasRoom(now: number, urgent: boolean): boolean {
    this.expire(now);
    return this.total < this.limitFor(urgent);
  }

  /** Counts one call at `now`; returns its bucket for `move`. */
  add(now: number): number {
    const k = this.bucket(now);
    const slot = k % (BUCKETS + 1);
    if (this.indexes[slot] !== k) {
      this.total -= this.counts[slot];
      this.counts[slot] = 0;
      this.indexes[slot] = k;
    }
    this.counts[slot] += 1;
    this.total += 1;
    return k;
  }

  /** Re-dates a call counted in bucket `from` to `now` (later, so the count only grows more careful). */
  move(from: number, now: number): void {
    if (this.bucket(now) === from) return;
    const slot = from % (BUCKETS + 1);
    if (this.indexes[slot] === from && this.counts[slot] > 0) {
      this.counts[slot] -= 1;
      this.total -= 1;
    }
    this.add(now);
  }

  /** When enough counted calls have left the window for one more (of this priority). */
  nextRoomAt(now: number, urgent: boolean): number {
    this.expire(now);
    const limit = this.limitFor(urgent);
    let remaining = this.total;
    if (remaining < limit) return now;
    const filled = [...this.indexes.keys()].filter((slot) => this.counts[slot] > 0).sort((a, b) => this.indexes[a] - this.indexes[b]);
    for (const slot of filled) {
      remaining -= this.counts[slot];
      if (remaining < limit) return (this.indexes[slot] + BUCKETS + 1) * this.width;
    }
    return now;
  }
}

interface Waiter {
  resolve: (ticket: RateTicket) => void;
  reject: (error: Error) => void;
  urgent: boolean;
  timer?: NodeJS.Timeout;
  /** Served or gave up; a waiter that gave up stays in its queue until it reaches the front. */
  done: boolean;
}

/** A first-in, first-out list with O(1) removal from the front. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

class ApiBudget {
  readonly urgent = new Fifo<Waiter>();
  readonly normal = new Fifo<Waiter>();
  /** Waiters still waiting (the queues may also hold ones that gave up). */
  liveUrgent = 0;
  liveNormal = 0;
  timer?: NodeJS.Timeout;
  /** Window in which onExhausted was last told, so a long wait is reported once per window. */
  reportedUntil = 0;

  constructor(
    readonly counters: BucketCounter[],
    private readonly now: () => number,
  ) {}

  get waiting(): number {
    return this.liveUrgent + this.liveNormal;
  }

  /** Marks a waiter served or given up. */
  settle(waiter: Waiter): void {
    waiter.done = true;
    if (waiter.timer) clearTimeout(waiter.timer);
    if (waiter.urgent) this.liveUrgent--;
    else this.liveNormal--;
  }

  hasRoom(now: number, urgent: boolean): boolean {
    return this.counters.every((c) => c.hasRoom(now, urgent));
  }

  take(now: number): RateTicket {
    const buckets = this.counters.map((c) => c.add(now));
    return { sent: () => this.counters.forEach((c, i) => c.move(buckets[i], this.now())) };
  }

  nextRoomAt(now: number, urgent: boolean): number {
    return Math.max(...this.counters.map((c) => c.nextRoomAt(now, urgent)), now);
  }
}

export class WecomRateLimiter {
  private readonly budgets = new Map<string, ApiBudget>();
  private readonly exempt: Set<string>;
  private readonly now: () => number;
  private readonly marginMs: number;

  constructor(private readonly options: WecomRateLimiterOptions) {
    for (const b of options.budgets) {
      if (!Number.isInteger(b.limit) || b.limit < 1) throw new Error('rate budget limit must be a positive integer');
      if (!Number.isInteger(b.windowMs) || b.windowMs < 1) throw new Error('rate budget windowMs must be a positive integer');
      if (b.urgentLimit !== undefined && (!Number.isInteger(b.urgentLimit) || b.urgentLimit < b.limit)) {
        throw new Error('rate budget urgentLimit must be an integer no smaller than limit');
      }
    }
    this.exempt = new Set(options.exempt ?? ['message/send']);
    // Never backwards (a wall-clock step would otherwise recount old buckets as new ones).
    const clock = options.now ?? (() => Date.now());
    let last = 0;
    this.now = () => (last = Math.max(last, clock()));
    this.marginMs = options.marginMs ?? 1000;
  }

  /** How many calls wait for budget right now (all APIs). */
  get waiting(): number {
    let n = 0;
    for (const budget of this.budgets.values()) n += budget.waiting;
    return n;
  }

  /**
   * Resolves when a call to `path` of `corpId` fits every budget; the call is counted from then
   * (call `sent()` on the ticket when the request really leaves). Urgent callers go before normal
   * ones waiting for the same API; APIs never wait for each other.
   */
  acquire(corpId: string, path: string, options: WaitOptions = {}): Promise<RateTicket> {
    if (this.exempt.has(path) || this.options.budgets.length === 0) return Promise.resolve(NOOP_TICKET);
    const key = `${corpId} ${path}`;
    const budget = this.budgetFor(key);
    const now = this.now();
    const urgent = options.priority === 'urgent';
    // Nobody may overtake a waiter of the same or higher priority.
    const ahead = urgent ? budget.liveUrgent : budget.waiting;
    if (ahead === 0 && budget.hasRoom(now, urgent)) return Promise.resolve(budget.take(now));
    return new Promise<RateTicket>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, urgent, done: false };
      if (options.deadlineAt !== undefined) {
        waiter.timer = setTimeout(() => {
          if (waiter.done) return;
          budget.settle(waiter);
          reject(new WecomPacingTimeout(path, 'its deadline passed while it waited for the API budget'));
          this.stopIfIdle(budget);
        }, Math.max(0, options.deadlineAt - now));
      }
      if (urgent) {
        budget.urgent.push(waiter);
        budget.liveUrgent++;
      } else {
        budget.normal.push(waiter);
        budget.liveNormal++;
      }
      if (budget.reportedUntil <= now) {
        budget.reportedUntil = budget.nextRoomAt(now, urgent);
        this.options.onExhausted?.(key, budget.waiting);
      }
      this.drain(budget);
    });
  }

  private budgetFor(key: string): ApiBudget {
    let budget = this.budgets.get(key);
    if (!budget) {
      const counters = this.options.budgets.map(
        (b) => new BucketCounter(b.limit, b.urgentLimit ?? b.limit, Math.max(1, Math.ceil((b.windowMs + this.marginMs) / BUCKETS))),
      );
      this.budgets.set(key, (budget = new ApiBudget(counters, this.now)));
    }
    return budget;
  }

  /** Serves waiters while there is room (urgent first), then sleeps until room reappears. */
  private drain(budget: ApiBudget): void {
    // Recomputed on every arrival: an urgent waiter needs an earlier wake-up than normal ones.
    if (budget.timer) {
      clearTimeout(budget.timer);
      budget.timer = undefined;
    }
    for (;;) {
      const queue = this.nextQueue(budget);
      if (!queue) return;
      const urgent = queue === budget.urgent;
      const now = this.now();
      if (!budget.hasRoom(now, urgent)) {
        budget.timer = setTimeout(() => {
          budget.timer = undefined;
          this.drain(budget);
        }, Math.max(1, budget.nextRoomAt(now, urgent) - now));
        return;
      }
      const waiter = queue.shift()!;
      budget.settle(waiter);
      waiter.resolve(budget.take(now));
    }
  }

  /** No timer outlives the last waiter (a process with nothing else to do may then exit). */
  private stopIfIdle(budget: ApiBudget): void {
    if (budget.timer && !this.nextQueue(budget)) {
      clearTimeout(budget.timer);
      budget.timer = undefined;
    }
  }

  /** The queue whose head is served next, after dropping waiters that gave up. */
  private nextQueue(budget: ApiBudget): Fifo<Waiter> | undefined {
    for (const queue of [budget.urgent, budget.normal]) {
      while (queue.peek()?.done) queue.shift();
      if (queue.size > 0) return queue;
    }
    return undefined;
  }
}

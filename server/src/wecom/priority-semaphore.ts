import type { CallPriority } from './rate-limiter';

/**
 * Limits how many WeCom requests are in flight at once, like util/async's Semaphore, but a freed
 * slot goes to an urgent waiter (a welcome, with its 20 s) before any normal one: when WeCom is
 * slow and every slot is busy, a welcome does not queue behind a backlog of tagging or notices.
 */
export class PrioritySemaphore {
  private active = 0;
  private readonly urgent: Array<() => void> = [];
  private readonly normal: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(priority: CallPriority, task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve) => (priority === 'urgent' ? this.urgent : this.normal).push(resolve));
    } else {
      this.active++;
    }
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter (active stays), or is freed.
      const next = this.urgent.shift() ?? this.normal.shift();
      if (next) next();
      else this.active--;
    }
  }
}

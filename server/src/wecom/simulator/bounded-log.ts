/**
 * An append-only list that keeps roughly the newest `max` entries, so a long benchmark run does
 * not grow memory without bound. Trimming happens in chunks (max/10) to keep appends O(1) amortised;
 * the list therefore holds between `max` and `max * 1.1` entries once it is full.
 */
export class BoundedLog<T> {
  private entries: T[] = [];
  private readonly slack: number;

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error('BoundedLog max must be a positive integer');
    this.slack = Math.max(1, Math.floor(max / 10));
  }

  push(entry: T): void {
    this.entries.push(entry);
    if (this.entries.length > this.max + this.slack) this.entries.splice(0, this.entries.length - this.max);
  }

  get items(): readonly T[] {
    return this.entries;
  }

  clear(): void {
    this.entries = [];
  }
}

import { Worker } from 'node:worker_threads';
import { ArchiveKeyError, ArchiveKeyRing, cannotOpen, randomKeyText } from './key-ring';

/**
 * Opens many messages' random keys at once, off the main event loop. Each takes one RSA private
 * decryption in pure JS (node-forge, ~25 ms for a 2048-bit key; Node's own crypto refuses PKCS#1
 * v1.5 decryption, key-ring.ts), so a batch of 1000 is 25 s of CPU: on the main thread it would
 * stall callbacks and welcomes for that long. The threads get the keys once, as PKCS#1 PEM, and
 * only do the RSA; the checks before and after stay in ArchiveKeyRing, the same as openRandomKey.
 * With 0 threads everything runs inline (tests of the ring alone, and tiny machines).
 */

export interface SealedRandomKey {
  version: number;
  encryptRandomKey: string;
}

/** A random key, or why it did not open (ArchiveKeyError: 10007 unknown version, 10008 wrong key). */
export type OpenedRandomKey = { ok: true; randomKey: string } | { ok: false; error: ArchiveKeyError };

export interface RandomKeyOpener {
  open(items: readonly SealedRandomKey[]): Promise<OpenedRandomKey[]>;
  close(): Promise<void>;
}

/** The code each thread runs: plain JS, so it needs no TypeScript loader in tests or in dist/. */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const forge = require(workerData.forge);
const keys = new Map(workerData.keys.map(([version, pem]) => [version, forge.pki.privateKeyFromPem(pem)]));
parentPort.on('message', ({ id, jobs }) => {
  const results = jobs.map(([version, sealed]) => {
    try {
      return keys.get(version).decrypt(sealed, 'RSAES-PKCS1-V1_5');
    } catch {
      return null;
    }
  });
  parentPort.postMessage({ id, results });
});
`;

interface Pending {
  resolve(results: Array<string | null>): void;
  reject(error: Error): void;
}

class ThreadPool implements RandomKeyOpener {
  private readonly threads: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly ring: ArchiveKeyRing,
    private readonly size: number,
  ) {}

  /** Threads start on first use: a process that never pulls (ROLE=web) never starts them. */
  private start(): void {
    if (this.threads.length) return;
    const workerData = { forge: require.resolve('node-forge'), keys: this.ring.exportPems() };
    for (let i = 0; i < this.size; i++) {
      const thread = new Worker(THREAD_SOURCE, { eval: true, workerData });
      thread.on('message', ({ id, results }: { id: number; results: Array<string | null> }) => {
        this.pending.get(id)?.resolve(results);
        this.pending.delete(id);
      });
      // A thread that dies takes its calls with it: they fail (the pull that made them is
      // retried), and the next batch starts a fresh set of threads.
      // Only a thread of the current set counts: the exits of a set being replaced do not.
      thread.on('error', (error) => this.threads.includes(thread) && this.restart(error));
      thread.on('exit', () => this.threads.includes(thread) && this.restart(new Error('a random-key thread exited')));
      thread.unref();
      this.threads.push(thread);
    }
  }

  async open(items: readonly SealedRandomKey[]): Promise<OpenedRandomKey[]> {
    if (this.closed) throw new Error('the random-key threads were closed');
    this.start();
    const results: OpenedRandomKey[] = new Array(items.length);
    // Checks first (unknown version, bad base64): those never reach a thread.
    const jobs: Array<{ index: number; version: number; sealed: string }> = [];
    items.forEach((item, index) => {
      try {
        const { sealed } = this.ring.sealedRandomKey(item.version, item.encryptRandomKey);
        jobs.push({ index, version: item.version, sealed });
      } catch (error) {
        results[index] = { ok: false, error: error as ArchiveKeyError };
      }
    });
    // One slice per thread, so all of them work on the batch at once.
    const share = Math.ceil(jobs.length / this.threads.length);
    await Promise.all(
      this.threads.map(async (thread, t) => {
        const slice = jobs.slice(t * share, (t + 1) * share);
        if (!slice.length) return;
        const opened = await this.run(thread, slice.map((j) => [j.version, j.sealed]));
        slice.forEach((job, i) => {
          const raw = opened[i];
          try {
            if (raw === null) throw cannotOpen(job.version);
            results[job.index] = { ok: true, randomKey: randomKeyText(job.version, raw) };
          } catch (error) {
            results[job.index] = { ok: false, error: error as ArchiveKeyError };
          }
        });
      }),
    );
    return results;
  }

  private run(thread: Worker, jobs: Array<[number, string]>): Promise<Array<string | null>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      thread.postMessage({ id, jobs });
    });
  }

  private restart(error: Error): void {
    if (this.closed || !this.threads.length) return;
    const threads = this.threads.splice(0);
    this.failAll(error);
    for (const thread of threads) void thread.terminate();
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error('the random-key threads were closed'));
    await Promise.all(this.threads.splice(0).map((thread) => thread.terminate()));
  }
}

class InlineOpener implements RandomKeyOpener {
  constructor(private readonly ring: ArchiveKeyRing) {}

  async open(items: readonly SealedRandomKey[]): Promise<OpenedRandomKey[]> {
    return items.map((item) => {
      try {
        return { ok: true, randomKey: this.ring.openRandomKey(item.version, item.encryptRandomKey) };
      } catch (error) {
        if (error instanceof ArchiveKeyError) return { ok: false, error };
        throw error;
      }
    });
  }

  async close(): Promise<void> {}
}

/** `threads` RSA threads (ARCHIVE_DECRYPT_THREADS), or inline for 0. */
export function randomKeyOpener(ring: ArchiveKeyRing, threads: number): RandomKeyOpener {
  return threads > 0 ? new ThreadPool(ring, threads) : new InlineOpener(ring);
}

import type { EntityManager } from 'typeorm';
import type { AppContext } from '../context';
import { isMysql } from '../db/data-source';
import { detachedFromDatabaseWork } from '../db/sqlite-serial';
import type { Job } from '../jobs/job.entity';
import { recordOnLead } from '../leads/jobs/record-on-lead';
import type { Lease, LeasedQueue } from '../queue/leased-queue';
import type { FinalStatus, QueueWorker, Reservation } from '../queue/queue-worker';
import type { ParsedCallback, WecomEvent } from '../wecom/events';
import type { EventMeta, WelcomeEntry } from './handlers';
import type { InboxEvent } from './inbox-event.entity';
import { IntakeLeases, welcomeDeadline } from './intake';
import { welcomeFromRow } from './welcome-queue';

/**
 * Callbacks this process works itself. When its inbox worker has a free slot, a customer's add
 * is stored already leased to it (one INSERT, as always) and runs here the moment it is stored:
 * - the welcome first (20 s deadline), its "may have been sent" mark stored by that INSERT;
 * - then the capture, whose transaction also ends the inbox row and records the welcome (status
 *   and timeline entry, with the capture's own): no claims, no separate completions.
 * Same guarantees as the claimed road: the row is leased, so nobody else runs it; if this
 * process dies, the leases run out (or its restart frees them) and the lanes claim the row, the
 * welcome knowing a request may have gone out. Events of one customer still run in order: the
 * capture's final UPDATE only ends the row when no earlier event of the customer is open, and
 * otherwise the transaction rolls back and the row waits for a claim, in its turn.
 *
 * Only adds (contact.added): their handler settles inside its transaction (EventMeta.settle).
 * Every other event, and every add when the slots are busy, takes the claimed road.
 */
export interface WelcomeLane {
  worker: QueueWorker<Job>;
  queue: LeasedQueue;
  leaseMs: number;
  handle(job: Job, ctx: AppContext, record: (entry: WelcomeEntry) => Promise<void>): Promise<FinalStatus>;
}

/** Leases for one callback, and what to do once it is stored or turned out a duplicate. */
export interface LocalIntakeLeases extends IntakeLeases {
  /** Stored with this id: it runs here now. */
  stored(id: number): void;
  /** Not stored (a duplicate, or the INSERT failed): the slot is free again. */
  cancel(): void;
}

interface HandedWelcome {
  lease: Lease;
  job: Job;
}

/** An outcome the capture writes with its own, or that is written on its own if the capture does not. */
interface WelcomeOutcome {
  lease: Lease;
  externalUserId: string;
  status: FinalStatus;
  entry: WelcomeEntry | null;
}

export class LocalIntake {
  private readonly welcomes = new Map<number, HandedWelcome>();
  /** Rows stored leased to this process, until their run starts. */
  private readonly handedOver = new Set<number>();

  constructor(
    private readonly ctx: AppContext,
    private readonly inbox: { worker: QueueWorker<InboxEvent>; queue: LeasedQueue },
    private readonly welcomeLane: WelcomeLane | null,
  ) {}

  /** Leases for an event about to be stored, or null: store it unleased, the lanes claim it. */
  reserve(parsed: ParsedCallback, receivedAt: number): LocalIntakeLeases | null {
    const { event } = parsed;
    if (event.kind !== 'contact.added') return null;
    const inbox = this.inbox.worker.reserve();
    if (!inbox) return null;
    const welcome: Reservation | null = event.welcomeCode && this.welcomeLane ? this.welcomeLane.queue.newLease(this.welcomeLane.leaseMs) : null;
    return {
      inbox,
      welcome,
      cancel: () => this.inbox.worker.cancel(inbox),
      stored: (id) => detachedFromDatabaseWork(() => {
        if (welcome) this.welcomes.set(id, { lease: { id, ...welcome }, job: this.welcomeJob(id, event, welcome, receivedAt) });
        this.handedOver.add(id);
        this.inbox.worker.handOff(inbox, id, {
          dedup_key: parsed.dedupKey.slice(0, 191),
          partition_key: parsed.partitionKey.slice(0, 191),
          kind: event.kind,
          payload: event,
          status: 'pending',
          attempts: 1,
          available_at: receivedAt,
          lease_until: inbox.until,
          last_error: null,
          received_at: receivedAt,
          finished_at: null,
        });
      }),
    };
  }

  /** The welcome as the welcome lane would have claimed it, marked by intake. */
  private welcomeJob(id: number, event: WecomEvent, lease: Reservation, receivedAt: number): Job {
    const job = welcomeFromRow({
      id,
      payload: event,
      received_at: receivedAt,
      welcome_code: (event as { welcomeCode?: string }).welcomeCode,
      welcome_status: 'pending',
      welcome_attempts: 1,
      welcome_available_at: receivedAt,
      welcome_deadline_at: event.kind === 'contact.added' ? welcomeDeadline(event.createTime, receivedAt) : null,
      welcome_lease_owner: lease.owner,
      welcome_may_have_sent_at: receivedAt,
    });
    Object.assign(job.payload, { markedByIntake: true });
    return job;
  }

  /**
   * Runs a claimed or handed-over inbox row's handler; for a handed-over add, with its welcome
   * first and the settling described above.
   */
  async run(row: InboxEvent, handle: (meta: EventMeta) => Promise<FinalStatus>, lease: Lease): Promise<FinalStatus> {
    const handed = this.welcomes.get(row.id);
    this.welcomes.delete(row.id);
    // Only this run of a row this process stored: a later claim of it is a claim like any other.
    const handedOver = this.handedOver.delete(row.id);
    if (!handedOver) return handle({ inboxId: row.id, receivedAt: row.receivedAt });

    const welcome = handed ? await this.sendWelcome(handed) : null;
    let settled = false;
    try {
      const status = await handle({
        inboxId: row.id,
        receivedAt: row.receivedAt,
        welcomeEntry: welcome?.entry ?? null,
        settle: async (manager) => {
          await this.settle(manager, row, lease, welcome);
          settled = true;
        },
      });
      if (!settled) await this.recordWelcomeAlone(welcome);
      return settled ? 'settled' : status;
    } catch (error) {
      await this.recordWelcomeAlone(welcome);
      if (error instanceof EarlierEventOpenError) {
        // Its turn comes after the customer's earlier event: a claim takes it then.
        await this.inbox.queue.retryLater(lease, this.inbox.queue.now(), error.message);
        return 'settled';
      }
      throw error;
    }
  }

  private async sendWelcome(handed: HandedWelcome): Promise<WelcomeOutcome | null> {
    const lane = this.welcomeLane!;
    let entry: WelcomeEntry | null = null;
    try {
      const status = await lane.handle(handed.job, this.ctx, async (e) => {
        entry = e;
      });
      const payload = handed.job.payload as { externalUserId: string };
      return { lease: handed.lease, externalUserId: payload.externalUserId, status, entry };
    } catch (error) {
      // As the welcome lane would: retried there with backoff, or dead-lettered with the rep's note.
      await lane.worker.recordFailure(handed.lease, handed.job, error).catch((e) =>
        this.ctx.logger.error({ inboxId: handed.lease.id, err: (e as Error).message }, 'could not record the welcome failure; its lease will expire'),
      );
      return null;
    }
  }

  /** The welcome's outcome when the capture did not write it (it failed, or waits its turn). */
  private async recordWelcomeAlone(welcome: WelcomeOutcome | null): Promise<void> {
    if (!welcome) return;
    const lane = this.welcomeLane!;
    if (welcome.entry) await recordOnLead(this.ctx, welcome.externalUserId, welcome.entry);
    await lane.queue.finish(welcome.lease, welcome.status);
  }

  /**
   * Ends the inbox row inside the capture's transaction, with the welcome's status, only if no
   * earlier event of the same customer is open (the order a claim would have kept). The
   * welcome's columns change only while its lease is still this run's; SET runs left to right on
   * MySQL, so its status comes last, after the columns whose condition reads it.
   */
  private async settle(manager: EntityManager, row: InboxEvent, lease: Lease, welcome: WelcomeOutcome | null): Promise<void> {
    const now = Date.now();
    const target = isMysql(manager.connection) ? 'inbox_event FORCE INDEX (PRIMARY)' : 'inbox_event';
    const ours = `welcome_lease_owner = ? AND welcome_status = 'pending'`;
    const welcomeSql = welcome
      ? `, welcome_finished_at = CASE WHEN ${ours} THEN ? ELSE welcome_finished_at END,
           welcome_lease_until = CASE WHEN ${ours} THEN NULL ELSE welcome_lease_until END,
           welcome_status = CASE WHEN ${ours} THEN ? ELSE welcome_status END`
      : '';
    const welcomeParams = welcome ? [welcome.lease.owner, now, welcome.lease.owner, welcome.lease.owner, welcome.status] : [];
    // The earlier-event check reads the same table: MySQL accepts that only from a derived table
    // it cannot merge into the UPDATE (the LIMIT keeps it apart).
    const result = await manager.queryRunner!.query(
      `UPDATE ${target} SET status = 'done', finished_at = ?, last_error = NULL, lease_until = NULL${welcomeSql}
       WHERE id = ? AND lease_owner = ? AND status = 'pending'
         AND NOT EXISTS (SELECT 1 FROM (SELECT p.id FROM inbox_event p WHERE p.partition_key = ? AND p.status = 'pending' AND p.id < ? LIMIT 1) AS earlier)`,
      [now, ...welcomeParams, row.id, lease.owner, row.partitionKey, row.id],
      true,
    );
    if ((result.affected ?? 0) !== 1) throw new EarlierEventOpenError(row.id);
  }
}

/** The event must wait: an earlier event of the same customer is still open (or the lease was lost). */
export class EarlierEventOpenError extends Error {
  constructor(inboxId: number) {
    super(`inbox event ${inboxId}: an earlier event of this customer is still open (or the lease was lost); waiting for its turn`);
    this.name = 'EarlierEventOpenError';
  }
}

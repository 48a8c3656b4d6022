import type { FinalStatus } from '../queue/queue-worker';
import type { AppContext } from '../context';
import type { LeadRecordBatch } from '../leads/record-batch';

/** How a lead came to us; the same words as `lead.source`. */
export type CaptureSource = 'wecom' | 'group' | 'form' | 'import' | 'store';

/** The ways a lead changes hands (also `lead_assignment.kind`). */
export type OwnershipChangeKind = 'added' | 'assigned' | 'claimed' | 'reassigned' | 'returned' | 'released' | 'pooled' | 'merged';

/** Every domain event by name, with its payload. A payload holds facts, never instructions. */
export interface DomainEventPayloads {
  /** A capture path (WeCom add, group join, web form, import, …) found or created a lead. */
  'lead.captured': {
    leadId: number;
    leadName: string;
    created: boolean;
    source: CaptureSource;
    /** The owner after capture (the rep a customer added), or null: assignment decides. */
    ownerUserId: string | null;
    /** WeCom add: the rep added, the customer's external_userid, and the channel it came by. */
    userId?: string;
    externalUserId?: string;
    channelId?: number | null;
    channelName?: string | null;
    /** Corp tags the channel puts on every customer it brings. */
    channelTags?: string[];
    /** What the capture is keyed by (inbox event, form submission, import row). */
    cause: string;
  };
  /** A lead got a new owner, lost its owner, or went into the pool. */
  'lead.owner_changed': {
    leadId: number;
    leadName: string;
    kind: OwnershipChangeKind;
    fromUserId: string | null;
    toUserId: string | null;
    teamId: number | null;
    inPool: boolean;
    /** As recorded in the ownership history. */
    reason: string;
    /** The manager's or rep's own words, when they gave any (a reassignment's reason). */
    note?: string;
    /** Who reassigned it, by name (管理员 for the admin token); absent from events of older versions. */
    byName?: string;
    /** The follow-up deadline that applies to the new owner, or that the former owner missed. */
    followUpHours?: number;
  };
  /** A lead moved between stages (new → contacted → … → won / lost). */
  'lead.stage_changed': {
    leadId: number;
    from: string;
    to: string;
    /** A rep's userid, or 'admin' / 'system'. */
    by: string;
    reason: string | null;
  };
  /** A lead became a customer (stage won). */
  'lead.converted': { leadId: number; by: string };
  /**
   * Tags a lead did not have were put on it: by a rep, a WeCom tag sync, a store entry, a web
   * form or a nurture step. Channel tags put on at capture are in lead.captured's `channelTags`.
   */
  'lead.tagged': {
    leadId: number;
    /** Only the tags that are new on the lead. */
    tags: string[];
    /** As lead_tag.source: member, wecom, store, form, nurture, … */
    source: string;
  };
  /** The lead's grade (score band A/B/C) changed; a first grade of C is not an event. */
  'lead.grade_changed': { leadId: number; from: string | null; to: string; score: number };
  /** A WeCom relation between the lead and a rep ended (either side deleted the other, or a transfer). */
  'lead.relation_lost': {
    leadId: number;
    userId: string;
    externalUserId: string;
    reason: 'customer_deleted_rep' | 'rep_deleted_customer' | 'transferred';
  };
  /**
   * The customer sent a rep a message. Published by the chat archive (issue 13); nurture exits
   * on it (a reply, or an opt-out keyword). `text` is null for what is not text (an image, a voice note).
   */
  'customer.message_received': {
    leadId: number;
    externalUserId: string;
    /** The rep who received it (in a group: the lead's owner, or the group's owner). */
    userId: string;
    /** The customer group it was written in; null or absent for a 1:1 chat. */
    roomId?: string | null;
    /** The archive's message id: unique per message. */
    msgid: string;
    text: string | null;
    sentAt: number;
  };
  /**
   * A rep wrote to a customer (1:1, or in a customer group), as the chat archive stored it.
   * Sensitive-word rules read it. `leadId` is the customer's lead in a 1:1 chat, null in a group.
   */
  'member.message_sent': {
    leadId: number | null;
    userId: string;
    externalUserId: string | null;
    roomId: string | null;
    msgid: string;
    /** The searchable text (null for an image or a voice note). */
    text: string | null;
    sentAt: number;
  };
}

export type DomainEventName = keyof DomainEventPayloads;

export interface DomainEvent<N extends DomainEventName = DomainEventName> {
  name: N;
  /** Unique per fact, e.g. `lead.captured:inbox:123`: publishing it again is a no-op. */
  key: string;
  payload: DomainEventPayloads[N];
  occurredAt: number;
}

/** One subscriber's run for one event (events/event-job.ts). */
export interface SubscriberRun {
  /**
   * Unique per (event, subscriber) and the same on every retry: `channel-tags@lead.captured:inbox:12`.
   * What the subscriber writes is keyed by it, so a retry writes nothing twice.
   */
  key: string;
  /**
   * Timeline entries and tags to record on leads: written after the event's subscribers ran,
   * together in one statement per table, and only for subscribers that succeeded.
   */
  records: LeadRecordBatch;
}

/**
 * Something that happens because of a domain event: one file each, listed in events/registry.ts.
 * It runs once per event (in the event's job: retried with backoff, dead-lettered with its
 * error), so it must be idempotent, as every job is.
 */
export interface Subscriber<N extends DomainEventName = DomainEventName> {
  /** Unique and stable: part of SubscriberRun.key, and what the event job records as done. */
  name: string;
  /** Job priority (jobs/enqueue.ts PRIORITY); lower runs first. An event's job takes its subscribers' most urgent. */
  priority: number;
  /** Whether this event concerns the subscriber at all; an event nobody wants writes no job. */
  wants?(payload: DomainEventPayloads[N]): boolean;
  handle(event: DomainEvent<N>, ctx: AppContext, run: SubscriberRun): Promise<FinalStatus>;
}

export type SubscriberRegistry = { [N in DomainEventName]: Array<Subscriber<N>> };

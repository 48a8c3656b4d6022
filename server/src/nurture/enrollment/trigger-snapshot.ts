import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { Channel } from '../../channels/channel.entity';
import type { ExitReason, Sequence } from '../sequences/schema';
import { listSequences } from '../sequences/sequences';

/**
 * What the sequences in force listen for, known in memory so that the nurture subscribers'
 * `wants` (synchronous, once per event a producer publishes) can say no with a Set lookup, and
 * no event job, no statement, is spent on an event no sequence can act on: a capture through a
 * channel no sequence names, a tag or a grade no trigger names, a customer's message while no
 * sequence exits on replies.
 *
 * The snapshot holds, for the enabled sequences, the channel ids their channel_capture triggers
 * name (those named by `state` resolved to ids), the tags of their tag_added triggers and the
 * grades of their score_band triggers; and, for every sequence in force, enabled or not (a
 * disabled sequence keeps its active enrollments), the exit reasons its `exits.on` lists. It is
 * refreshed whenever a nurture subscriber runs (they read the sequences anyway), forgotten when
 * this process writes a sequence, and answers "maybe" when it is missing or older than
 * SNAPSHOT_TTL_MS, so the subscriber runs and looks. A sequence written on another instance is
 * therefore seen here within SNAPSHOT_TTL_MS at the latest.
 */
export const SNAPSHOT_TTL_MS = 30_000;

interface Snapshot {
  channelIds: Set<number>;
  tags: Set<string>;
  grades: Set<string>;
  exitReasons: Set<ExitReason>;
  loadedAt: number;
}

let snapshot: Snapshot | null = null;
/** Bumped by forgetTriggerSnapshot: a refresh begun before a write does not store what it read. */
let generation = 0;

const current = (now: number) => (snapshot && now - snapshot.loadedAt <= SNAPSHOT_TTL_MS ? snapshot : null);

/** For `wants`: false only when the snapshot is current and no enabled sequence names the channel. */
export function captureMayEnroll(channelId: number | null | undefined, now = Date.now()): boolean {
  if (channelId === null || channelId === undefined) return false;
  const s = current(now);
  return !s || s.channelIds.has(channelId);
}

/** For `wants`: false only when the snapshot is current and no enabled sequence's tag_added trigger names one of the tags. */
export function tagsMayEnroll(tags: readonly string[] | null | undefined, now = Date.now()): boolean {
  if (!tags?.length) return false;
  const s = current(now);
  return !s || tags.some((tag) => s.tags.has(tag));
}

/** For `wants`: false only when the snapshot is current and no enabled sequence's score_band trigger names the grade. */
export function gradeMayEnroll(grade: string, now = Date.now()): boolean {
  const s = current(now);
  return !s || s.grades.has(grade);
}

/** For `wants`: false only when the snapshot is current and no sequence in force exits on any of the reasons. */
export function mayExitOn(reasons: readonly ExitReason[], now = Date.now()): boolean {
  const s = current(now);
  return !s || reasons.some((reason) => s.exitReasons.has(reason));
}

/** A sequence was created, replaced, enabled or disabled here: the next event looks again. */
export function forgetTriggerSnapshot(): void {
  generation++;
  snapshot = null;
}

/** The sequences in force as the subscribers match them, read once. */
export interface SequenceTriggers {
  /** Every sequence in force by key, enabled or not: what exits read. */
  readonly all: ReadonlyMap<string, Sequence>;
  /** The enabled sequences whose channel_capture trigger names the channel (by id, or by its state). */
  forChannel(channelId: number): Sequence[];
  /** The enabled sequences whose tag_added trigger names one of the tags, each once, with the first tag (in `tags` order) it names. */
  forTags(tags: readonly string[]): Array<{ sequence: Sequence; tag: string }>;
  /** The enabled sequences whose score_band trigger names the grade. */
  forGrade(grade: string): Sequence[];
}

/**
 * Reads the sequences in force and refreshes the snapshot from them: two statements at most
 * (the sequences, and the channels named by state when any are).
 */
export async function readSequenceTriggers(manager: EntityManager): Promise<SequenceTriggers> {
  const startedAt = Date.now();
  const started = generation;
  const all = (await listSequences(manager)).map((info) => info.sequence);
  const enabled = all.filter((s) => s.enabled);

  const states = new Set<string>();
  for (const s of enabled) for (const t of s.triggers) if (t.type === 'channel_capture' && 'state' in t.channel) states.add(t.channel.state);
  const idByState = new Map<string, number>();
  if (states.size > 0) {
    const channels = await manager.getRepository(Channel).find({ select: { id: true, state: true }, where: { state: In([...states]) } });
    for (const c of channels) idByState.set(c.state, c.id);
  }
  const channelsOf = (s: Sequence) =>
    s.triggers.flatMap((t) => (t.type !== 'channel_capture' ? [] : 'id' in t.channel ? [t.channel.id] : idByState.has(t.channel.state) ? [idByState.get(t.channel.state)!] : []));
  const tagsOf = (s: Sequence) => s.triggers.flatMap((t) => (t.type === 'tag_added' ? [t.tag] : []));
  const gradesOf = (s: Sequence) => s.triggers.flatMap((t) => (t.type === 'score_band' ? [t.grade as string] : []));

  if (started === generation) {
    snapshot = {
      channelIds: new Set(enabled.flatMap(channelsOf)),
      tags: new Set(enabled.flatMap(tagsOf)),
      grades: new Set(enabled.flatMap(gradesOf)),
      exitReasons: new Set(all.flatMap((s) => s.exits.on)),
      loadedAt: startedAt,
    };
  }
  return {
    all: new Map(all.map((s) => [s.key, s])),
    forChannel: (channelId) => enabled.filter((s) => channelsOf(s).includes(channelId)),
    forTags: (tags) =>
      enabled.flatMap((s) => {
        const named = new Set(tagsOf(s));
        const tag = tags.find((t) => named.has(t));
        return tag === undefined ? [] : [{ sequence: s, tag }];
      }),
    forGrade: (grade) => enabled.filter((s) => gradesOf(s).includes(grade)),
  };
}

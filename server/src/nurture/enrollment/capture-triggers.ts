import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { Channel } from '../../channels/channel.entity';
import type { Sequence } from '../sequences/schema';
import { enabledSequences } from '../sequences/sequences';

/**
 * Which channels enabled sequences enroll from, known in memory so that lead.captured's
 * `wants` (synchronous, once per captured lead) can say no for a channel no sequence names
 * with a Set lookup, and no event job, no statement, is spent on it.
 *
 * The snapshot is the channel ids the channel_capture triggers name (those named by `state`
 * resolved to ids). It is refreshed whenever the subscriber runs (it reads the enabled
 * sequences anyway), forgotten when this process writes a sequence, and answers "maybe" when
 * it is missing or older than SNAPSHOT_TTL_MS, so the subscriber runs and looks. A sequence
 * written on another instance is therefore seen here within SNAPSHOT_TTL_MS at the latest.
 */
export const SNAPSHOT_TTL_MS = 30_000;

let snapshot: { channelIds: Set<number>; loadedAt: number } | null = null;
/** Bumped by forgetCaptureTriggers: a refresh begun before a write does not store what it read. */
let generation = 0;

/** For `wants`: false only when the snapshot is current and no enabled sequence names the channel. */
export function captureMayEnroll(channelId: number | null | undefined, now = Date.now()): boolean {
  if (channelId === null || channelId === undefined) return false;
  if (!snapshot || now - snapshot.loadedAt > SNAPSHOT_TTL_MS) return true;
  return snapshot.channelIds.has(channelId);
}

/** A sequence was created, replaced, enabled or disabled here: the next capture looks again. */
export function forgetCaptureTriggers(): void {
  generation++;
  snapshot = null;
}

/**
 * The enabled sequences with a channel_capture trigger matching `channelId` (by id, or by the
 * channel's state). Refreshes the snapshot from what it read: two statements at most (the
 * sequences, and the channels named by state when any are).
 */
export async function sequencesForCapture(manager: EntityManager, channelId: number): Promise<Sequence[]> {
  const startedAt = Date.now();
  const started = generation;
  const sequences = await enabledSequences(manager);
  const states = new Set<string>();
  for (const s of sequences) for (const t of s.triggers) if (t.type === 'channel_capture' && 'state' in t.channel) states.add(t.channel.state);
  const idByState = new Map<string, number>();
  if (states.size > 0) {
    const channels = await manager.getRepository(Channel).find({ select: { id: true, state: true }, where: { state: In([...states]) } });
    for (const c of channels) idByState.set(c.state, c.id);
  }
  const named = (s: Sequence) =>
    s.triggers.flatMap((t) => (t.type !== 'channel_capture' ? [] : 'id' in t.channel ? [t.channel.id] : idByState.has(t.channel.state) ? [idByState.get(t.channel.state)!] : []));
  if (started === generation) snapshot = { channelIds: new Set(sequences.flatMap(named)), loadedAt: startedAt };
  return sequences.filter((s) => named(s).includes(channelId));
}

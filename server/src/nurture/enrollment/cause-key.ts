import { createHash } from 'node:crypto';

/** nurture_enrollment.cause_key's width. */
const CAUSE_KEY_MAX = 191;

/**
 * The cause key of an enrollment a subscriber makes: its run key and the sequence, so a re-run
 * enrolls nothing again. A run key is built from the event's key, which can be long (a chat
 * toolbar capture names the customer and the rep): cutting the whole to the column's width could
 * cut off the sequence, and two sequences' enrollments would then collide, so a long run key is
 * shortened with a digest of it instead, and the sequence key is always kept whole.
 */
export function enrollmentCauseKey(runKey: string, sequenceKey: string): string {
  const whole = `${runKey}:${sequenceKey}`;
  if (whole.length <= CAUSE_KEY_MAX) return whole;
  const digest = createHash('sha256').update(runKey).digest('hex').slice(0, 16);
  const room = CAUSE_KEY_MAX - sequenceKey.length - digest.length - 2;
  return `${runKey.slice(0, room)}~${digest}:${sequenceKey}`;
}

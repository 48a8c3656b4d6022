/**
 * Whether the chat archive is on in this process, for the subscribers' `wants` (which see only the
 * event, not the context): a corp without the archive pays nothing on its capture path for a
 * subscriber that only matters with it. Set by runtime.ts as the archive starts and stops; every
 * instance of a deployment shares the configuration, so the producer's answer is the consumer's.
 */
let on = false;

export const archiveIsOn = (): boolean => on;

export function noteArchiveOn(value: boolean): void {
  on = value;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/**
 * An epoch-ms value as API replies show it: ISO 8601 in UTC; null or undefined is null (so is 0:
 * no timestamp Xiansuo keeps is the epoch itself).
 */
export const isoOrNull = (ms: number | null | undefined): string | null => (ms ? new Date(ms).toISOString() : null);

import { ValueTransformer } from 'typeorm';

/**
 * MySQL returns BIGINT as a string; every epoch-millisecond column goes through this so the
 * code sees numbers on both databases. Millisecond integers also compare identically on both,
 * which DATETIME precision does not.
 */
export const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? value : Number(value)),
};

/** JSON kept in a TEXT column: portable across SQLite and MySQL without JSON-type quirks. */
export const jsonText: ValueTransformer = {
  to: (value: unknown) => (value === undefined ? undefined : JSON.stringify(value ?? null)),
  from: (value: string | null) => (value === null || value === undefined ? null : JSON.parse(value)),
};

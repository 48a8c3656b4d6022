/** A date as YYYY-MM-DD in Asia/Shanghai, as the stats API takes it. */
export function shanghaiDate(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
}

/** The last `days` days up to today, in Shanghai. */
export function lastDays(days: number, now = Date.now()): [string, string] {
  return [shanghaiDate(now - (days - 1) * 86_400_000), shanghaiDate(now)];
}

/** An ISO instant as Shanghai wall-clock time, "2026-12-01 09:30". */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

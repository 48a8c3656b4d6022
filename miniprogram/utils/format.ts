/**
 * Dates as reps read them. The server speaks UTC ISO instants and Asia/Shanghai calendar days;
 * China keeps UTC+8 all year, so the conversion is a fixed offset whatever the phone's zone.
 */
const OFFSET_MS = 8 * 60 * 60 * 1000;
const pad = (n: number) => String(n).padStart(2, '0');

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

function shanghaiParts(date: Date): Parts {
  const shifted = new Date(date.getTime() + OFFSET_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
  };
}

/** `YYYY-MM-DD` of an instant, in Shanghai. */
export function shanghaiDay(date: Date = new Date()): string {
  const p = shanghaiParts(date);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** A Shanghai calendar day `days` after (or before) `day`. */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return shanghaiDay(new Date(Date.UTC(y, m - 1, d + days, 12) - OFFSET_MS));
}

/** `12月3日 14:05`, with the year when it is not this year; `今天 14:05` for today. */
export function formatDateTime(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const p = shanghaiParts(date);
  const today = shanghaiParts(now);
  const time = `${pad(p.hour)}:${pad(p.minute)}`;
  if (p.year === today.year && p.month === today.month && p.day === today.day) return `今天 ${time}`;
  const day = `${p.month}月${p.day}日`;
  return p.year === today.year ? `${day} ${time}` : `${p.year}年${day} ${time}`;
}

/** `14:05` in Shanghai. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const p = shanghaiParts(date);
  return `${pad(p.hour)}:${pad(p.minute)}`;
}

/** A Shanghai day and `HH:mm` picked in the form → the UTC ISO instant the server wants. */
export function shanghaiToIso(day: string, time: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  return new Date(Date.UTC(y, m - 1, d, hh, mm) - OFFSET_MS).toISOString();
}

/** `35 分钟`, `2 小时 5 分钟`, `1 天 3 小时`; `暂无` when there is nothing to measure. */
export function formatMinutes(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined || Number.isNaN(minutes)) return '暂无';
  const total = Math.round(minutes);
  if (total < 60) return `${total} 分钟`;
  if (total < 24 * 60) {
    const rest = total % 60;
    return rest ? `${Math.floor(total / 60)} 小时 ${rest} 分钟` : `${total / 60} 小时`;
  }
  const hours = Math.floor((total % (24 * 60)) / 60);
  return hours ? `${Math.floor(total / (24 * 60))} 天 ${hours} 小时` : `${Math.floor(total / (24 * 60))} 天`;
}

/** 0.3333 → `33.3%`. */
export function formatPercent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '—';
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

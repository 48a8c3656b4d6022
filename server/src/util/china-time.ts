import { DAY_MS, HOUR_MS } from './time';

/**
 * The business calendar of the reps: China Standard Time (Asia/Shanghai). It is UTC+8 all year
 * with no daylight saving, so a fixed offset is exact and no time-zone database is needed.
 */
export const CHINA_TIMEZONE = 'Asia/Shanghai';
export const CST_OFFSET_MS = 8 * HOUR_MS;

/** The instant shifted so that its UTC fields read as Shanghai wall-clock time: "YYYY-MM-DDTHH:mm:ss.sssZ". */
const wallClock = (ms: number) => new Date(ms + CST_OFFSET_MS).toISOString();

/** The Shanghai calendar date (YYYY-MM-DD) at `ms`: cstDate(Date.now()) is today. */
export const cstDate = (ms: number) => wallClock(ms).slice(0, 10);

/** 2026-03-01 14:30 in China Standard Time: how reps read times. */
export const formatCst = (ms: number) => wallClock(ms).slice(0, 16).replace('T', ' ');

/** 14:30:05 in China Standard Time. */
export const cstTimeOfDay = (ms: number) => wallClock(ms).slice(11, 19);

/** Midnight starting the Shanghai day `date` (YYYY-MM-DD), as epoch ms. */
export const cstDayStart = (date: string) => Date.parse(`${date}T00:00:00+08:00`);

/** Midnight starting the Shanghai day that `ms` falls in, as epoch ms. */
export const cstDayStartAt = (ms: number) => cstDayNumber(ms) * DAY_MS - CST_OFFSET_MS;

/**
 * Whole Shanghai days since 1970-01-01: what SQL groups by as (ms + CST_OFFSET_MS) DIV DAY_MS.
 * dateOfCstDayNumber turns one back into its YYYY-MM-DD.
 */
export const cstDayNumber = (ms: number) => Math.floor((ms + CST_OFFSET_MS) / DAY_MS);
export const dateOfCstDayNumber = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The calendar date `days` after `date` (before, when negative); both YYYY-MM-DD. */
export const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

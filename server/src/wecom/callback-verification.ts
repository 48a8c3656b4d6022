import type { DataSource } from 'typeorm';
import { getSetting, putSetting } from '../settings/settings';

/**
 * When WeCom last verified our callback URL (the GET with echostr it sends when an admin saves
 * the URL in WeCom's admin console). Nothing else records it, and the setup check must tell
 * "WeCom never reached us" from "WeCom reached us but sends no events".
 */
const KEY = 'wecom.callback_verified_at';

export async function recordCallbackVerified(ds: DataSource, at: number): Promise<void> {
  await putSetting(ds.manager, KEY, { at });
}

export async function callbackVerifiedAt(ds: DataSource): Promise<number | null> {
  const value = await getSetting<{ at?: unknown }>(ds.manager, KEY);
  return typeof value?.at === 'number' ? value.at : null;
}

/** When the newest stored callback arrived (inbox_event; finished ones are pruned after 30 days). */
export async function lastCallbackAt(ds: DataSource): Promise<number | null> {
  const [row] = await ds.query('SELECT MAX(received_at) AS at FROM inbox_event');
  return row?.at === null || row?.at === undefined ? null : Number(row.at);
}

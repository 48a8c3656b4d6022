import { createHash, randomBytes } from 'node:crypto';

/** Identifier shapes that resemble WeCom's, so code that logs or stores them sees realistic values. */

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[bytes[i] % ALPHANUMERIC.length];
  return out;
}

/** External user ids are 32 characters starting with `wm` (or `wo`), e.g. `wmAJ2GCAAAXtWyujaWJHDDGi0mACH71w`. */
export const newExternalUserId = () => `wm${randomAlphanumeric(30)}`;
/** Corp tag and tag-group ids both start with `et`. */
export const newTagId = () => `et${randomAlphanumeric(30)}`;
/** Customer group ids start with `wr`. */
export const newChatId = () => `wr${randomAlphanumeric(30)}`;
export const newConfigId = () => randomBytes(16).toString('hex');
export const newMsgId = () => `msg${randomAlphanumeric(24)}`;
export const newAccessToken = () => randomBytes(48).toString('base64url');
export const newWelcomeCode = () => randomBytes(32).toString('base64url');
export const newLoginCode = () => randomBytes(16).toString('hex');
export const newSessionKey = () => randomBytes(16).toString('base64');

/** member_version / LastMemVer / CurMemVer are 32-hex digests that change with every membership change. */
export function memberVersion(chatId: string, revision: number): string {
  return createHash('md5').update(`${chatId}:${revision}`).digest('hex');
}

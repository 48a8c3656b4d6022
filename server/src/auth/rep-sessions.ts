import { createHash, randomBytes } from 'node:crypto';
import type { AppContext } from '../context';
import { HttpError } from '../http/errors';
import { WecomApiError } from '../wecom/errors';
import { RepSession } from './rep-session.entity';
import { DAY_MS } from '../util/time';

const SESSION_TTL_MS = 7 * DAY_MS;
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** WeCom mini-program login (wx.qy.login code → jscode2session) → a Xiansuo session token. */
export async function loginWithCode(ctx: AppContext, code: string): Promise<{ token: string; userId: string; expiresAt: number }> {
  let reply: { corpid: string; userid: string };
  try {
    reply = await ctx.wecom.agent.get<{ corpid: string; userid: string }>(
      'miniprogram/jscode2session',
      { js_code: code, grant_type: 'authorization_code' },
      { retryOnNetworkError: false },
    );
  } catch (error) {
    if (error instanceof WecomApiError && [40029, 40163, 42013].includes(error.errcode)) {
      throw new HttpError(401, 'invalid_code', 'the login code is invalid, expired or already used');
    }
    throw error;
  }
  if (reply.corpid !== ctx.config.wecom.corpId || !reply.userid) {
    throw new HttpError(403, 'wrong_corp', 'this mini-program session belongs to another corp');
  }
  // session_key is never stored or returned: Xiansuo has no use for it.
  const token = randomBytes(32).toString('base64url');
  const now = Date.now();
  const expiresAt = now + SESSION_TTL_MS;
  await ctx.dataSource.getRepository(RepSession).insert({ tokenHash: hashToken(token), userId: reply.userid, expiresAt, createdAt: now });
  return { token, userId: reply.userid, expiresAt };
}

/** The live session a rep token stands for, or null (unknown, malformed or expired). */
export async function findRepSession(app: AppContext, token: string): Promise<RepSession | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const session = await app.dataSource.getRepository(RepSession).findOneBy({ tokenHash: hashToken(token) });
  return session && session.expiresAt >= Date.now() ? session : null;
}

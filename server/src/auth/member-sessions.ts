import { createHash, randomBytes } from 'node:crypto';
import { In, IsNull, type EntityManager } from 'typeorm';
import type { AppContext } from '../context';
import { HttpError } from '../http/errors';
import type { MemberActor } from '../members/member-actor';
import { Member } from '../members/member.entity';
import { memberActorOf } from '../members/profile';
import { presentMpMember } from '../members/presenters';
import { DAY_MS, HOUR_MS } from '../util/time';
import { WecomApiError } from '../wecom/errors';
import { MemberSession } from './member-session.entity';

export const ACCESS_TTL_MS = 2 * HOUR_MS;
export const REFRESH_TTL_MS = 30 * DAY_MS;

/** Why a session stopped working (member_session.revoked_reason). */
export type RevokeReason = 'logout' | 'refresh_reused' | 'member_disabled' | 'member_left' | 'roles_removed';

/** Tokens are 32 random bytes, base64url: 43 characters. Anything else is not looked up. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const newToken = () => randomBytes(32).toString('base64url');
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Epoch ms on the app's clock (tests inject one to expire sessions without waiting). */
export const nowOf = (app: AppContext) => (app.clock ?? Date.now)();

const invalidRefresh = () => new HttpError(401, 'invalid_refresh', '登录已过期，请重新登录');

/** A member who may use the mini-program: known, active in WeCom, and holding at least one role. */
async function signInAble(manager: EntityManager, userId: string): Promise<{ member: Member; actor: MemberActor } | null> {
  const member = await manager.findOneBy(Member, { userId });
  if (!member || member.status !== 'active') return null;
  const actor = await memberActorOf(manager, member);
  return actor.roles.length ? { member, actor } : null;
}

/** The reply of login and refresh: both tokens, when they expire, and who signed in. */
async function sessionReply(manager: EntityManager, tokens: { access: string; refresh: string; accessExpiresAt: number; refreshExpiresAt: number }, member: Member) {
  return {
    accessToken: tokens.access,
    refreshToken: tokens.refresh,
    accessExpiresAt: new Date(tokens.accessExpiresAt).toISOString(),
    refreshExpiresAt: new Date(tokens.refreshExpiresAt).toISOString(),
    member: await presentMpMember(manager, member),
  };
}

function issueTokens(now: number) {
  return { access: newToken(), refresh: newToken(), accessExpiresAt: now + ACCESS_TTL_MS, refreshExpiresAt: now + REFRESH_TTL_MS };
}

/**
 * POST /api/mp/login: a wx.qy.login() code → jscode2session (the self-built app's secret) → a
 * session for an active member with a role. WeCom's session_key is never stored or returned:
 * Xiansuo has no use for it.
 */
export async function loginWithCode(app: AppContext, code: string) {
  let reply: { corpid: string; userid: string };
  try {
    reply = await app.wecom.agent.get<{ corpid: string; userid: string }>(
      'miniprogram/jscode2session',
      { js_code: code, grant_type: 'authorization_code' },
      { retryOnNetworkError: false },
    );
  } catch (error) {
    if (error instanceof WecomApiError && [40029, 40163, 42013].includes(error.errcode)) {
      throw new HttpError(401, 'invalid_code', '登录凭证无效或已过期，请重新登录');
    }
    throw error;
  }
  if (reply.corpid !== app.config.wecom.corpId || !reply.userid) {
    throw new HttpError(403, 'wrong_corp', '该账号不属于本企业，无法登录');
  }
  const manager = app.dataSource.manager;
  const allowed = await signInAble(manager, reply.userid);
  if (!allowed) throw new HttpError(403, 'not_a_member', '您尚未开通线索小程序的使用权限，请联系管理员');
  const now = nowOf(app);
  const tokens = issueTokens(now);
  await manager.insert(MemberSession, {
    userId: reply.userid,
    accessHash: hashToken(tokens.access),
    accessExpiresAt: tokens.accessExpiresAt,
    refreshHash: hashToken(tokens.refresh),
    refreshExpiresAt: tokens.refreshExpiresAt,
    previousRefreshHash: null,
    createdAt: now,
    revokedAt: null,
    revokedReason: null,
  });
  return sessionReply(manager, tokens, allowed.member);
}

/**
 * POST /api/mp/refresh: a live refresh token → new access and refresh tokens for the same
 * session; the old refresh token stops working. A refresh token presented again after it was
 * rotated was copied (or the reply was lost and the client retried): the session is revoked,
 * so whoever holds the newer token is signed out too.
 */
export async function refreshSession(app: AppContext, refreshToken: string) {
  if (!TOKEN_SHAPE.test(refreshToken)) throw invalidRefresh();
  const now = nowOf(app);
  const manager = app.dataSource.manager;
  const hash = hashToken(refreshToken);
  const session = await manager.findOneBy(MemberSession, { refreshHash: hash });
  if (!session) {
    const rotated = await manager.findOneBy(MemberSession, { previousRefreshHash: hash, revokedAt: IsNull() });
    if (rotated) await revokeSession(app, rotated.id, 'refresh_reused');
    throw invalidRefresh();
  }
  if (session.revokedAt !== null || session.refreshExpiresAt <= now) throw invalidRefresh();
  const allowed = await signInAble(manager, session.userId);
  if (!allowed) throw invalidRefresh();
  const tokens = issueTokens(now);
  // Conditional on the old token: of two refreshes with one token, exactly one wins.
  const result = await manager
    .createQueryBuilder()
    .update(MemberSession)
    .set({
      accessHash: hashToken(tokens.access),
      accessExpiresAt: tokens.accessExpiresAt,
      refreshHash: hashToken(tokens.refresh),
      refreshExpiresAt: tokens.refreshExpiresAt,
      previousRefreshHash: hash,
    })
    .where('id = :id AND refresh_hash = :hash AND revoked_at IS NULL', { id: session.id, hash })
    .execute();
  if (!result.affected) throw invalidRefresh();
  return sessionReply(manager, tokens, allowed.member);
}

/**
 * The session an access token stands for, and who it signs in, or null: unknown or malformed
 * token, expired, revoked, or a member who is no longer active or holds no role. Read on every
 * request, so a revocation or a role change counts from the next request on.
 */
export async function findSessionActor(app: AppContext, accessToken: string): Promise<{ sessionId: number; actor: MemberActor } | null> {
  if (!TOKEN_SHAPE.test(accessToken)) return null;
  const manager = app.dataSource.manager;
  const session = await manager.findOneBy(MemberSession, { accessHash: hashToken(accessToken) });
  if (!session || session.revokedAt !== null || session.accessExpiresAt <= nowOf(app)) return null;
  const allowed = await signInAble(manager, session.userId);
  return allowed ? { sessionId: session.id, actor: allowed.actor } : null;
}

/** POST /api/mp/logout, and a refresh token's reuse: this one session stops working. */
export async function revokeSession(app: AppContext, sessionId: number, reason: RevokeReason): Promise<void> {
  await app.dataSource.manager.update(MemberSession, { id: sessionId, revokedAt: IsNull() }, { revokedAt: nowOf(app), revokedReason: reason });
}

/** Every live session of these members stops working (they left, were disabled, lost their roles): in the caller's transaction. */
export async function revokeSessionsOf(manager: EntityManager, userIds: string[], reason: RevokeReason, now: number): Promise<number> {
  if (userIds.length === 0) return 0;
  const result = await manager.update(MemberSession, { userId: In(userIds), revokedAt: IsNull() }, { revokedAt: now, revokedReason: reason });
  return result.affected ?? 0;
}

/** The member row of a session's actor (GET /api/mp/me). */
export async function memberOf(app: AppContext, actor: MemberActor): Promise<Member> {
  return app.dataSource.manager.findOneByOrFail(Member, { userId: actor.userId });
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { IsNull } from 'typeorm';
import type { AppContext } from '../context';
import { HttpError } from '../http/errors';
import type { MemberActor } from '../members/member-actor';
import { Member } from '../members/member.entity';
import { memberActorOf } from '../members/profile';
import { DAY_MS, HOUR_MS } from '../util/time';
import { ConsoleSession } from './console-session.entity';

/** A console session ends after 8 hours without a request, and 7 days after sign-in whatever happens. */
export const CONSOLE_IDLE_MS = 8 * HOUR_MS;
export const CONSOLE_ABSOLUTE_MS = 7 * DAY_MS;
/** How stale last_seen_at may get before a request writes it again (one UPDATE a minute at most per session). */
const TOUCH_EVERY_MS = 60_000;

/** The roles the console is for: managers (their teams) and admins (everything). */
export const CONSOLE_ROLES = ['admin', 'manager'] as const;

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const newToken = () => randomBytes(32).toString('base64url');
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const nowOf = (app: AppContext) => (app.clock ?? Date.now)();

/** A member who may use the console: active, with the admin or manager role. */
async function consoleActor(app: AppContext, userId: string): Promise<MemberActor | null> {
  const manager = app.dataSource.manager;
  const member = await manager.findOneBy(Member, { userId });
  if (!member || member.status !== 'active') return null;
  const actor = await memberActorOf(manager, member);
  return actor.roles.some((r) => (CONSOLE_ROLES as readonly string[]).includes(r)) ? actor : null;
}

/** Signs a member in: a new session; the cookie's token is returned once and never stored. 403 for who may not use the console. */
export async function startConsoleSession(app: AppContext, userId: string): Promise<{ token: string; csrfToken: string; actor: MemberActor }> {
  const actor = await consoleActor(app, userId);
  if (!actor) throw new HttpError(403, 'not_console_member', '只有管理员和主管可以登录管理后台，请联系管理员开通');
  const token = newToken();
  const csrfToken = newToken();
  const now = nowOf(app);
  await app.dataSource.manager.insert(ConsoleSession, { userId, tokenHash: hashToken(token), csrfToken, createdAt: now, lastSeenAt: now, revokedAt: null });
  return { token, csrfToken, actor };
}

export interface ConsoleSessionFound {
  sessionId: number;
  csrfToken: string;
  actor: MemberActor;
}

/**
 * The session a cookie token stands for, or null: unknown, idle too long, too old, signed out, or
 * a member who left, was disabled or lost both console roles (read on every request, so a role
 * taken away counts from the next one).
 */
export async function findConsoleSession(app: AppContext, token: string | undefined): Promise<ConsoleSessionFound | null> {
  if (!token || !TOKEN_SHAPE.test(token)) return null;
  const repo = app.dataSource.getRepository(ConsoleSession);
  const session = await repo.findOneBy({ tokenHash: hashToken(token) });
  const now = nowOf(app);
  if (!session || session.revokedAt !== null || now - session.lastSeenAt > CONSOLE_IDLE_MS || now - session.createdAt > CONSOLE_ABSOLUTE_MS) return null;
  const actor = await consoleActor(app, session.userId);
  if (!actor) return null;
  if (now - session.lastSeenAt > TOUCH_EVERY_MS) await repo.update({ id: session.id }, { lastSeenAt: now });
  return { sessionId: session.id, csrfToken: session.csrfToken, actor };
}

export async function endConsoleSession(app: AppContext, sessionId: number): Promise<void> {
  await app.dataSource.getRepository(ConsoleSession).update({ id: sessionId, revokedAt: IsNull() }, { revokedAt: nowOf(app) });
}

/** The page's X-CSRF-Token against the session's, in constant time. */
export function csrfMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

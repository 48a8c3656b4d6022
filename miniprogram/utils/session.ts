import type { LoginResponse, Member, Role } from './types';

/** The signed-in member and their tokens, kept in the mini-program's storage. */
export interface Session {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: string;
  refreshExpiresAt: string;
  member: Member;
}

const KEY = 'xiansuo.session';

export function getSession(): Session | null {
  try {
    const value = wx.getStorageSync(KEY) as Session | '' | undefined;
    return value && typeof value === 'object' && value.accessToken ? value : null;
  } catch {
    return null;
  }
}

export function saveSession(response: LoginResponse): Session {
  const session: Session = {
    accessToken: response.accessToken,
    refreshToken: response.refreshToken,
    accessExpiresAt: response.accessExpiresAt,
    refreshExpiresAt: response.refreshExpiresAt,
    member: response.member,
  };
  wx.setStorageSync(KEY, session);
  return session;
}

export function clearSession(): void {
  try {
    wx.removeStorageSync(KEY);
  } catch {
    // nothing stored
  }
}

export function currentMember(): Member | null {
  return getSession()?.member ?? null;
}

/** The signed-in member, for a page's onLoad; with nobody signed in, back to the sign-in page (and null). */
export function memberOrSignIn(): Member | null {
  const member = currentMember();
  if (!member) wx.reLaunch({ url: '/pages/login/login' });
  return member;
}

export function hasRole(member: Member | null, role: Role): boolean {
  return !!member && member.roles.includes(role);
}

/** Reps, managers and admins work leads; store staff enter members. */
export function worksLeads(member: Member | null): boolean {
  return hasRole(member, 'rep') || hasRole(member, 'manager') || hasRole(member, 'admin');
}

/** The page a member lands on after signing in. */
export function homePage(member: Member): string {
  if (!worksLeads(member) && hasRole(member, 'store_staff')) return '/pages/entry/entry';
  return '/pages/leads/leads';
}

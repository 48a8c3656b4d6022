import { reactive } from 'vue';
import { api, setCsrfToken } from './api';

export interface ConsoleMember {
  userId: string;
  name: string;
  roles: string[];
  managedTeamIds: number[];
}

/** Who is signed in, read once at start (GET /api/console/session). */
export const session = reactive<{ member: ConsoleMember | null; demoMode: boolean; loaded: boolean }>({ member: null, demoMode: false, loaded: false });

export async function loadSession(): Promise<boolean> {
  try {
    const reply = await api<{ member: ConsoleMember; csrfToken: string; demoMode: boolean }>('GET', '/session');
    setCsrfToken(reply.csrfToken);
    session.member = reply.member;
    session.demoMode = reply.demoMode;
    return true;
  } catch {
    session.member = null;
    return false;
  } finally {
    session.loaded = true;
  }
}

export const isAdmin = () => !!session.member?.roles.includes('admin');

export async function signOut(): Promise<void> {
  await api('POST', '/auth/logout').catch(() => undefined);
  session.member = null;
}

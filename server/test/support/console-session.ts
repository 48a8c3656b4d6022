import type { Harness } from './harness';

let signIns = 0;

/**
 * A console session for `userId`, the way a browser gets one: our redirect to WeCom's web login,
 * the member picked on the simulator's page, WeCom's redirect back with the state cookie; then the
 * session's CSRF token. Each sign-in comes from its own address (the harness trusts
 * X-Forwarded-For), so the sign-in limit is not what the test meets. console-auth.test.ts tests
 * the dance itself, step by step.
 */
export async function signInToConsole(h: Harness, userId: string): Promise<{ cookie: string; csrfToken: string }> {
  const from = () => ({ 'x-forwarded-for': `198.51.100.${(signIns++ % 254) + 1}` });
  const start = await fetch(`${h.url}/api/console/auth/login`, { redirect: 'manual', headers: from() });
  const stateCookie = start.headers.getSetCookie().find((c) => c.startsWith('xs_console_login='))!.split(';')[0];
  const loginPage = new URL(start.headers.get('location')!);
  const pick = new URL('/wwlogin/sso/pick', loginPage);
  pick.search = loginPage.search;
  pick.searchParams.set('userid', userId);
  const back = (await fetch(pick, { redirect: 'manual' })).headers.get('location')!;
  const callback = await fetch(back, { redirect: 'manual', headers: { ...from(), cookie: stateCookie } });
  const cookie = callback.headers.getSetCookie().find((c) => c.startsWith('xs_console='))?.split(';')[0];
  if (!cookie) throw new Error(`signInToConsole ${userId}: no session (${callback.status} → ${callback.headers.get('location')})`);
  const { csrfToken } = (await (await fetch(`${h.url}/api/console/session`, { headers: { cookie } })).json()) as { csrfToken: string };
  return { cookie, csrfToken };
}

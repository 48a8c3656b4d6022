import type { Context } from 'koa';

/** The console's session cookie: HttpOnly (no script reads it), SameSite=Lax, Secure over HTTPS. */
export const CONSOLE_COOKIE = 'xs_console';
/** The sign-in's `state`, kept until WeCom redirects back: it must come back unchanged (login CSRF). */
export const LOGIN_STATE_COOKIE = 'xs_console_login';

/**
 * Lax, not Strict: WeCom's login redirects back to us from its own site, a top-level navigation
 * that must carry the state cookie. Cross-site POSTs carry neither cookie, and every state-changing
 * request also needs the CSRF header.
 */
export function setConsoleCookie(ctx: Context, name: string, value: string | null, maxAgeMs: number, path = '/'): void {
  ctx.cookies.set(name, value, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path, maxAge: value === null ? 0 : maxAgeMs, overwrite: true });
}

import { ApiError, Errcode } from '../errors';
import { LOGIN_CODE_TTL_MS } from './miniprogram';
import { requiredString } from './params';
import type { Routes } from './route';

/**
 * WeCom web login (企业微信登录, the QR-code login of a self-built app): the browser goes to
 * `wwlogin/sso/login`, the member scans and confirms, WeCom redirects back with `code`, and the
 * app exchanges it with `auth/getuserinfo` (the app's own access token) for the member's userid.
 * Codes are single use and live 5 minutes, as the mini-program's. The login page itself is
 * served by web-login-page.ts.
 */
export const webLoginRoutes: Routes = {
  'auth/getuserinfo': {
    method: 'GET',
    handle: ({ state, query, now }) => {
      const record = state.loginCodes.get(requiredString(query, 'code'));
      if (!record || now() - record.issuedAt > LOGIN_CODE_TTL_MS) throw new ApiError(Errcode.invalidCode, 'invalid code');
      if (record.used) throw new ApiError(Errcode.codeUsed, 'code been used');
      record.used = true;
      return { userid: record.userid };
    },
  },
};

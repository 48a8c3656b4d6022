import type { AppContext } from '../context';
import { HttpError } from '../http/errors';
import { WecomApiError } from '../wecom/errors';

const DEFAULT_LOGIN_BASE = 'https://login.work.weixin.qq.com';

/**
 * WeCom's web login for a self-built app (企业微信登录): the page the browser is sent to. The
 * member scans with the WeCom app (in demo mode: picks themselves in the simulator's list) and
 * WeCom redirects to `redirectUri` with `code` and our `state`. The redirect's domain must be one
 * of the app's trusted domains (应用管理 → 网页授权及JS-SDK → 可信域名) in WeCom's admin console.
 */
export function webLoginUrl(app: AppContext, redirectUri: string, state: string): string {
  const url = new URL('/wwlogin/sso/login', app.config.wecom.loginBase ?? DEFAULT_LOGIN_BASE);
  url.searchParams.set('login_type', 'CorpApp');
  url.searchParams.set('appid', app.config.wecom.corpId);
  url.searchParams.set('agentid', String(app.config.wecom.agentId));
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('state', state);
  return url.toString();
}

/** The code WeCom redirected back with → the member's userid (auth/getuserinfo, the app's token). 401 for a bad or used code. */
export async function userIdFromLoginCode(app: AppContext, code: string): Promise<string> {
  try {
    const reply = await app.wecom.agent.get<{ userid?: string; openid?: string }>('auth/getuserinfo', { code }, { retryOnNetworkError: false });
    if (!reply.userid) throw new HttpError(403, 'not_a_member', '该账号不是本企业成员');
    return reply.userid;
  } catch (error) {
    if (error instanceof WecomApiError && [40029, 40163, 42013].includes(error.errcode)) {
      throw new HttpError(401, 'invalid_code', '登录凭证无效或已过期，请重新扫码登录');
    }
    throw error;
  }
}

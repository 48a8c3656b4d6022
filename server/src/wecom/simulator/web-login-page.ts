import type { ServerResponse } from 'node:http';
import type { SimulatorState } from './state';

/**
 * The simulator's stand-in for WeCom's login page (`/wwlogin/sso/login`): where the real one
 * shows a QR code to scan with the WeCom app, this one lists the corp's active members, and
 * picking one plays "scanned and confirmed" — a one-time code, and a redirect back to the app's
 * `redirect_uri` with `code` and `state`, as WeCom does. The app's parameters are checked as
 * WeCom checks them: `login_type=CorpApp`, `appid` = the corp id, `agentid` = the app.
 */
export const WEB_LOGIN_PATH = '/wwlogin/sso/login';
export const WEB_LOGIN_PICK_PATH = '/wwlogin/sso/pick';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:"Noto Sans CJK SC","PingFang SC",sans-serif;background:#f5f6f7;margin:0;display:flex;justify-content:center}
main{background:#fff;margin-top:60px;padding:32px 40px;border-radius:8px;box-shadow:0 2px 12px rgba(0,0,0,.08);min-width:360px}
h1{font-size:20px;margin:0 0 8px}p{color:#666;font-size:14px}ul{list-style:none;padding:0}li{margin:8px 0}
a.member{display:block;padding:10px 14px;border:1px solid #dcdfe6;border-radius:6px;color:#222;text-decoration:none}
a.member:hover{border-color:#0082ef;color:#0082ef}.uid{color:#999;font-size:12px;margin-left:8px}</style></head>
<body><main>${body}</main></body></html>`;
}

/** Handles the login page and the pick; false for any other path. */
export function serveWebLogin(url: URL, state: SimulatorState, agentId: number | undefined, res: ServerResponse): boolean {
  if (url.pathname !== WEB_LOGIN_PATH && url.pathname !== WEB_LOGIN_PICK_PATH) return false;
  const q = url.searchParams;
  const redirectUri = q.get('redirect_uri') ?? '';
  const problems: string[] = [];
  if (q.get('login_type') !== 'CorpApp') problems.push('login_type 须为 CorpApp');
  if (q.get('appid') !== state.corpId) problems.push('appid 与企业 ID 不符');
  if (agentId !== undefined && q.get('agentid') !== String(agentId)) problems.push('agentid 与应用不符');
  if (!/^https?:\/\//.test(redirectUri)) problems.push('redirect_uri 须为 http(s) 地址');
  if (problems.length) {
    send(res, 400, page('登录参数错误', `<h1>登录参数错误</h1><p>${problems.map(escapeHtml).join('；')}</p>`));
    return true;
  }
  const back = (extra: Record<string, string>) => {
    const target = new URL(redirectUri);
    for (const [k, v] of Object.entries(extra)) target.searchParams.set(k, v);
    return target.toString();
  };
  if (url.pathname === WEB_LOGIN_PICK_PATH) {
    const member = state.members.get(q.get('userid') ?? '');
    if (!member || member.enable !== 1) {
      send(res, 404, page('成员不存在', '<h1>成员不存在或已停用</h1>'));
      return true;
    }
    const code = state.issueLoginCode(member.userid);
    res.writeHead(302, { location: back({ code, state: q.get('state') ?? '' }) });
    res.end();
    return true;
  }
  const members = [...state.members.values()].filter((m) => m.enable === 1);
  const links = members
    .map((m) => {
      const pick = new URLSearchParams(q);
      pick.set('userid', m.userid);
      return `<li><a class="member" href="${WEB_LOGIN_PICK_PATH}?${escapeHtml(pick.toString())}">${escapeHtml(m.name)}<span class="uid">${escapeHtml(m.userid)}</span></a></li>`;
    })
    .join('');
  send(
    res,
    200,
    page(
      '企业微信登录（模拟）',
      `<h1>企业微信登录（模拟器）</h1><p>真实环境中这里是扫码登录；演示模式下请选择要登录的成员。</p><ul>${links}</ul>`,
    ),
  );
  return true;
}

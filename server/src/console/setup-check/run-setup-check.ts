import type { AppContext } from '../../context';
import { formatCst } from '../../util/china-time';
import { DAY_MS, isoOrNull } from '../../util/time';
import { callbackVerifiedAt, lastCallbackAt } from '../../wecom/callback-verification';
import { errcodeText } from '../wecom-errcode-text';
import { ArchiveCursor } from '../../archive/ingest/archive-cursor.entity';
import { ipFromErrmsg, probeWecom, type ProbeResult, type ProbeTarget } from './wecom-probe';

/**
 * The setup check 「接入检查」 (issue 12): the setup mistakes that keep a corp from working —
 * a secret that gets no token, an untrusted server IP (60020), a secret of the wrong type since
 * 2023-12 (48002, 84074), a callback URL WeCom never verified or that hears nothing, reps without
 * customer contact, an unreadable tag list — each found by asking WeCom now, with the fix in
 * plain Chinese (wecom-reference.md §3, §4, §8).
 */
export type CheckStatus = 'ok' | 'warning' | 'failed';
export const SETUP_CHECK_KEYS = ['contact_token', 'agent_token', 'trusted_ip', 'contact_permission', 'callback', 'follow_users', 'corp_tags', 'chat_archive'] as const;
export type SetupCheckKey = (typeof SETUP_CHECK_KEYS)[number];

export interface SetupCheckItem {
  key: SetupCheckKey;
  title: string;
  status: CheckStatus;
  /** What the check saw. */
  found: string;
  /** What to do about it; null when all is well. */
  fix: string | null;
  details?: Record<string, unknown>;
}

export interface SetupCheckReport {
  checkedAt: string;
  /** The worst of the items. */
  status: CheckStatus;
  items: SetupCheckItem[];
}

/** No callback for this long, once callbacks have come: worth a look. */
const QUIET_CALLBACKS_MS = 7 * DAY_MS;
/** Reps named in a finding, at most; the rest are counted. */
const NAMES_SHOWN = 10;

const TITLES: Record<SetupCheckKey, string> = {
  contact_token: '客户联系 Secret 能获取访问凭证',
  agent_token: '自建应用 Secret 能获取访问凭证',
  trusted_ip: '服务器 IP 已设为企业可信 IP',
  contact_permission: '有权调用客户联系接口',
  callback: '回调地址已验证，回调事件正常到达',
  follow_users: '销售已开通客户联系',
  corp_tags: '能读取企业标签',
  chat_archive: '会话内容存档正常拉取',
};

const item = (key: SetupCheckKey, status: CheckStatus, found: string, fix: string | null, details?: Record<string, unknown>): SetupCheckItem => ({
  key,
  title: TITLES[key],
  status,
  found,
  fix,
  ...(details ? { details } : {}),
});

const NOT_TRUSTED_FIX = '先按“服务器 IP 已设为企业可信 IP”一项处理';
const WRONG_SECRET_TYPE_FIX =
  '自 2023 年 12 月起，“客户联系”自带的 Secret 不能再调用客户联系接口。请在企业微信管理后台 → 客户与上下游 → 客户联系 → API → 可调用接口的应用 中加入本服务使用的自建应用，' +
  '再把环境变量 WECOM_CONTACT_SECRET 改为该自建应用的 Secret（可以与 WECOM_AGENT_SECRET 相同），然后重启服务';
const NO_CONTACT_PERMISSION_FIX =
  '在企业微信管理后台 → 客户与上下游 → 客户联系 → 权限配置 中为使用客户联系的成员开通权限；并确认本服务的自建应用已加入 客户联系 → API → 可调用接口的应用，且应用的可见范围包含这些成员';
const FOLLOW_USERS_FIX = '在企业微信管理后台 → 客户与上下游 → 客户联系 → 权限配置 → 使用范围 中加入这些销售，保存后重新检查';

function unreachableText(result: ProbeResult): string {
  return !result.ok && result.errmsg === 'timeout' ? '请求超时' : '网络连接失败';
}

/** Which secret, in the words of the fix. */
const SECRET_FIX: Record<'contact' | 'agent', string> = {
  contact:
    '在企业微信管理后台 → 应用管理 → 自建应用 → 本服务使用的应用 中查看 Secret，填入环境变量 WECOM_CONTACT_SECRET 后重启服务；该应用还须加入 客户与上下游 → 客户联系 → API → 可调用接口的应用',
  agent: '在企业微信管理后台 → 应用管理 → 自建应用 → 本服务使用的应用 中查看 Secret，填入环境变量 WECOM_AGENT_SECRET 后重启服务',
};

function tokenItem(key: 'contact_token' | 'agent_token', which: 'contact' | 'agent', result: ProbeResult, apiHost: string, sameSecret: boolean): SetupCheckItem {
  if (result.ok) return item(key, 'ok', sameSecret ? '已获取访问凭证（客户联系与自建应用使用同一个 Secret）' : '已获取访问凭证', null);
  if (result.errcode === null) {
    return item(key, 'failed', `无法连接企业微信（${unreachableText(result)}）`, `确认本服务器能访问 ${apiHost}：检查出口防火墙、代理和域名解析`);
  }
  const found = `企业微信没有发放访问凭证（${errcodeText(result.errcode)}）`;
  switch (result.errcode) {
    case 40001:
    case 41004:
      return item(key, 'failed', found, SECRET_FIX[which], { errcode: result.errcode });
    case 40013:
      return item(key, 'failed', found, '在企业微信管理后台 → 我的企业 → 企业信息 中查看企业ID，填入环境变量 WECOM_CORP_ID 后重启服务', { errcode: result.errcode });
    case 60020:
      return item(key, 'failed', found, NOT_TRUSTED_FIX, { errcode: result.errcode });
    default:
      return item(key, 'failed', found, '按错误码在企业微信开发者中心的“错误码查询”中查看原因，处理后重新检查', { errcode: result.errcode });
  }
}

export interface SetupCheckInput {
  /** This service's callback address, as WeCom should have it (for the fix text). */
  callbackUrl: string;
  now?: number;
}

export async function runSetupCheck(app: AppContext, input: SetupCheckInput): Promise<SetupCheckReport> {
  const now = input.now ?? Date.now();
  const { corpId, contactSecret, agentSecret, apiBase } = app.config.wecom;
  const target: ProbeTarget = { apiBase, timeoutMs: app.config.wecomTimeoutMs };
  const apiHost = new URL(apiBase).host;
  const tokenOf = (secret: string) => probeWecom(target, 'GET', 'gettoken', { corpid: corpId, corpsecret: secret });
  const [contactToken, agentToken] = await Promise.all([tokenOf(contactSecret), tokenOf(agentSecret)]);
  const token = (r: ProbeResult) => (r.ok && typeof r.data.access_token === 'string' ? r.data.access_token : null);
  const contactAccess = token(contactToken);
  const agentAccess = token(agentToken);

  // The calls the service makes with each secret: customer contact's, and one of the app's own
  // (getcallbackip needs no permission but the token, so only the IP can refuse it).
  const [follow, tags, appCall] = await Promise.all([
    contactAccess ? probeWecom(target, 'GET', 'externalcontact/get_follow_user_list', { access_token: contactAccess }) : null,
    contactAccess ? probeWecom(target, 'POST', 'externalcontact/get_corp_tag_list', { access_token: contactAccess }, {}) : null,
    agentAccess ? probeWecom(target, 'GET', 'getcallbackip', { access_token: agentAccess }) : null,
  ]);
  const sameSecret = contactSecret === agentSecret;

  const items: SetupCheckItem[] = [
    tokenItem('contact_token', 'contact', contactToken, apiHost, sameSecret),
    tokenItem('agent_token', 'agent', agentToken, apiHost, sameSecret),
    trustedIpItem([contactToken, agentToken], [follow, tags, appCall]),
    contactPermissionItem(follow),
    await callbackItem(app, input.callbackUrl, now),
    await followUsersItem(app, follow),
    corpTagsItem(tags),
    await chatArchiveItem(app, now),
  ];
  const status: CheckStatus = items.some((i) => i.status === 'failed') ? 'failed' : items.some((i) => i.status === 'warning') ? 'warning' : 'ok';
  return { checkedAt: new Date(now).toISOString(), status, items };
}

function trustedIpItem(tokens: ProbeResult[], apiCalls: Array<ProbeResult | null>): SetupCheckItem {
  const refused = [...tokens, ...apiCalls].filter((r): r is ProbeResult & { ok: false; errcode: number } => !!r && !r.ok && r.errcode === 60020);
  if (refused.length) {
    const ip = refused.map((r) => ipFromErrmsg(r.errmsg)).find((x) => x) ?? null;
    return item(
      'trusted_ip',
      'failed',
      ip ? `企业微信拒绝了来自 ${ip} 的调用（${errcodeText(60020)}）` : `企业微信拒绝了本服务器的调用（${errcodeText(60020)}）`,
      `在企业微信管理后台 → 应用管理 → 自建应用 → 企业可信IP 中加入本服务器的出口 IP${ip ? ` ${ip}` : ''}，保存后重新检查`,
      { errcode: 60020, ip },
    );
  }
  // Any API call WeCom answered (not just gettoken) got past the IP check.
  const apiAnswered = apiCalls.some((r) => !!r && (r.ok || r.errcode !== null));
  if (apiAnswered) return item('trusted_ip', 'ok', '企业微信接受了本服务器的调用', null);
  return item('trusted_ip', 'warning', '未能检查：没有获取到访问凭证，无法调用接口', '先处理上面获取访问凭证的问题');
}

function contactPermissionItem(follow: ProbeResult | null): SetupCheckItem {
  if (!follow) return item('contact_permission', 'warning', '未能检查：客户联系 Secret 没有获取到访问凭证', '先按“客户联系 Secret 能获取访问凭证”一项处理');
  if (follow.ok) return item('contact_permission', 'ok', '客户联系接口可以调用', null);
  if (follow.errcode === null) return item('contact_permission', 'warning', `未能检查：无法连接企业微信（${unreachableText(follow)}）`, '稍后重新检查');
  if (follow.errcode === 60020) return item('contact_permission', 'warning', '未能检查：服务器 IP 不在企业可信 IP 中', NOT_TRUSTED_FIX);
  if (follow.errcode === 48002) {
    return item('contact_permission', 'failed', `客户联系接口拒绝了这个 Secret（${errcodeText(48002)}）`, WRONG_SECRET_TYPE_FIX, { errcode: 48002 });
  }
  if (follow.errcode === 84074) return item('contact_permission', 'failed', `没有客户联系权限（${errcodeText(84074)}）`, NO_CONTACT_PERMISSION_FIX, { errcode: 84074 });
  return item('contact_permission', 'failed', `客户联系接口调用失败（${errcodeText(follow.errcode)}）`, '按错误码在企业微信开发者中心的“错误码查询”中查看原因，处理后重新检查', {
    errcode: follow.errcode,
  });
}

async function callbackItem(app: AppContext, callbackUrl: string, now: number): Promise<SetupCheckItem> {
  const [verifiedAt, lastAt] = await Promise.all([callbackVerifiedAt(app.dataSource), lastCallbackAt(app.dataSource)]);
  const details = { verifiedAt: isoOrNull(verifiedAt), lastCallbackAt: isoOrNull(lastAt), callbackUrl };
  const verified = verifiedAt ? `回调地址于 ${formatCst(verifiedAt)} 通过验证` : null;
  if (lastAt) {
    const seen = `${verified ? `${verified}；` : ''}最近一次回调事件到达于 ${formatCst(lastAt)}`;
    if (now - lastAt > QUIET_CALLBACKS_MS) {
      return item(
        'callback',
        'warning',
        `${seen}，已超过 7 天没有新的回调`,
        `如果这段时间确实有客户添加或标签变化，请确认 ${callbackUrl} 仍能从外网访问，并在企业微信管理后台 → 应用管理 → 自建应用 → 接收消息 → 设置API接收 中重新保存一次（保存时企业微信会再次验证）`,
        details,
      );
    }
    return item('callback', 'ok', seen, null, details);
  }
  if (verified) {
    return item(
      'callback',
      'warning',
      `${verified}，但还没有收到任何回调事件（回调记录保留 30 天）`,
      '在企业微信里添加一位客户或修改一个客户标签，几秒内应收到回调；如果仍然没有，确认本服务的自建应用已加入 客户与上下游 → 客户联系 → API → 可调用接口的应用，客户联系的事件才会发到它的回调地址',
      details,
    );
  }
  return item(
    'callback',
    'failed',
    '企业微信从未验证过本服务的回调地址，也没有收到过回调事件',
    `在企业微信管理后台 → 应用管理 → 自建应用 → 接收消息 → 设置API接收 中填写 URL ${callbackUrl}，Token 和 EncodingAESKey 与环境变量 WECOM_CALLBACK_TOKEN、WECOM_CALLBACK_AES_KEY 一致，然后保存（保存时企业微信会验证这个地址，本服务必须能从外网访问）`,
    details,
  );
}

async function followUsersItem(app: AppContext, follow: ProbeResult | null): Promise<SetupCheckItem> {
  if (!follow || !follow.ok) {
    return item('follow_users', 'warning', '未能检查：没有读到开通客户联系的成员名单', '先按“有权调用客户联系接口”一项处理');
  }
  const enabled = new Set(Array.isArray(follow.data.follow_user) ? (follow.data.follow_user as unknown[]).map(String) : []);
  // The reps Xiansuo gives leads to: each must be reachable by customers in WeCom.
  const reps: Array<{ user_id: string; name: string }> = await app.dataSource.query(
    `SELECT m.user_id, m.name FROM member m JOIN member_role r ON r.user_id = m.user_id WHERE r.role = 'rep' AND m.status = 'active' ORDER BY m.id`,
  );
  const missing = reps.filter((r) => !enabled.has(r.user_id));
  const details = { enabled: enabled.size, reps: reps.length, missing: missing.map((r) => ({ userId: r.user_id, name: r.name })) };
  if (enabled.size === 0) {
    return item('follow_users', 'failed', '企业里还没有成员开通客户联系，客户无法添加任何销售', FOLLOW_USERS_FIX, details);
  }
  if (missing.length) {
    const names = missing.slice(0, NAMES_SHOWN).map((r) => r.name || r.user_id).join('、');
    const more = missing.length > NAMES_SHOWN ? ` 等 ${missing.length} 人` : '';
    return item('follow_users', 'warning', `${missing.length} 名销售没有开通客户联系，客户加不了他们，也无法把客户分给他们：${names}${more}`, FOLLOW_USERS_FIX, details);
  }
  if (reps.length === 0) {
    return item('follow_users', 'warning', `${enabled.size} 名成员已开通客户联系，但本系统里还没有设为销售的成员`, '在“规则与设置”的成员列表中为负责客户的成员设置销售角色', details);
  }
  return item('follow_users', 'ok', `${enabled.size} 名成员已开通客户联系，本系统的 ${reps.length} 名销售都在其中`, null, details);
}

function corpTagsItem(tags: ProbeResult | null): SetupCheckItem {
  if (!tags) return item('corp_tags', 'failed', '没有读到企业标签：客户联系 Secret 没有获取到访问凭证', '先按“客户联系 Secret 能获取访问凭证”一项处理');
  if (tags.ok) {
    const groups = (Array.isArray(tags.data.tag_group) ? tags.data.tag_group : []) as Array<{ deleted?: boolean; tag?: Array<{ deleted?: boolean }> }>;
    const live = groups.filter((g) => !g.deleted);
    const count = live.reduce((n, g) => n + (g.tag ?? []).filter((t) => !t.deleted).length, 0);
    return item('corp_tags', 'ok', live.length ? `读取到 ${live.length} 个标签组、${count} 个标签` : '可以读取企业标签（目前还没有标签，渠道的标签会在首次使用时创建）', null, {
      groups: live.length,
      tags: count,
    });
  }
  if (tags.errcode === null) return item('corp_tags', 'failed', `没有读到企业标签：无法连接企业微信（${unreachableText(tags)}）`, '稍后重新检查');
  const found = `没有读到企业标签（${errcodeText(tags.errcode)}）`;
  if (tags.errcode === 60020) return item('corp_tags', 'failed', found, NOT_TRUSTED_FIX, { errcode: 60020 });
  if (tags.errcode === 48002) return item('corp_tags', 'failed', found, WRONG_SECRET_TYPE_FIX, { errcode: 48002 });
  if (tags.errcode === 84074) return item('corp_tags', 'failed', found, NO_CONTACT_PERMISSION_FIX, { errcode: 84074 });
  return item('corp_tags', 'failed', found, '按错误码在企业微信开发者中心的“错误码查询”中查看原因，处理后重新检查', { errcode: tags.errcode });
}

/** A pull is due every 5 minutes (and on every msgaudit_notify): an hour without one is worth a look. */
const ARCHIVE_QUIET_MS = 60 * 60_000;

/** What to do about the archive's last error, by the code it names (wecom-reference.md §7). */
function archiveFix(error: string): string {
  const version = /publickey_ver (\d+)/.exec(error)?.[1];
  if (/\[10007\]/.test(error)) return `把消息加密公钥版本 ${version ?? 'N'} 对应的私钥保存为 config/archive-keys/v${version ?? 'N'}.pem（或 ARCHIVE_KEYS_DIR 下），然后重启服务；在此之前，这条消息之后的会话都会等待，不会丢失`;
  if (/\[10008\]/.test(error)) return `config/archive-keys/v${version ?? 'N'}.pem 不是该版本公钥对应的私钥：换成企业微信管理后台 → 管理工具 → 会话内容存档 中该版本公钥的私钥后重启服务`;
  if (/10009/.test(error)) return '在企业微信管理后台 → 管理工具 → 会话内容存档 → 可信IP 中加入本服务器的出口 IP';
  if (/301053|301052/.test(error)) return '会话内容存档服务未开启或已过期：在企业微信管理后台 → 管理工具 → 会话内容存档 中开通或续费';
  if (/40001|41004|40013/.test(error)) return '在企业微信管理后台 → 管理工具 → 会话内容存档 中查看 Secret，填入环境变量 ARCHIVE_SECRET 后重启服务';
  return '查看服务日志中 “chat archive” 的记录；下一次拉取（每 5 分钟，或收到 msgaudit_notify 时）会从停下的位置继续';
}

export async function chatArchiveItem(app: AppContext, now: number): Promise<SetupCheckItem> {
  if (!app.archive) {
    return item('chat_archive', 'ok', '未开启会话内容存档（可选功能：聊天意向识别、响应时长和敏感词提醒需要它）', null, { on: false });
  }
  const cursor = await app.dataSource.getRepository(ArchiveCursor).findOneBy({ name: 'default' });
  const details = { on: true, keyVersions: app.archive.keys.versions, seq: cursor?.seq ?? 0, caughtUpAt: isoOrNull(cursor?.caughtUpAt ?? null), lastError: cursor?.lastError ?? null };
  const versions = `密钥版本 ${app.archive.keys.versions.join('、')}`;
  if (cursor?.lastError) return item('chat_archive', 'failed', `会话存档停在 seq ${cursor.seq} 之后：${cursor.lastError}`, archiveFix(cursor.lastError), details);
  if (!cursor?.caughtUpAt) return item('chat_archive', 'warning', `已开启（${versions}），但还没有完成过一次拉取`, '几分钟后重新检查；如果仍然没有，查看服务日志中 “chat archive” 的记录', details);
  const read = `已读到 seq ${cursor.seq}，最近一次拉取完成于 ${formatCst(cursor.caughtUpAt)}（${versions}）`;
  if (now - cursor.caughtUpAt > ARCHIVE_QUIET_MS) return item('chat_archive', 'warning', `${read}，已超过 1 小时没有完成拉取`, '确认本服务的工作进程（ROLE=worker 或 all）在运行，并查看服务日志中 “chat archive” 的记录', details);
  return item('chat_archive', 'ok', read, null, details);
}

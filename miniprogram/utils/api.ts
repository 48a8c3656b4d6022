/**
 * The one module that talks to the server: wraps wx.request with the base URL from config, the
 * member's bearer token, one refresh on a 401 (then back to sign-in), and errors turned into
 * Chinese messages: the server's own message when it is Chinese, otherwise one chosen here by
 * its error code. A user never sees an error object or an English message.
 */
import { config } from '../config';
import { clearSession, getSession, saveSession } from './session';
import type {
  ChatSearchHit,
  Consent,
  Entry,
  FollowUp,
  FollowUpInput,
  LeadCard,
  LeadChats,
  LeadDetail,
  LeadNurture,
  LeadScope,
  LeadSort,
  LoginResponse,
  Member,
  NurtureEnrollment,
  NurtureSequenceOption,
  Page,
  StageOption,
  Stats,
  TagOption,
} from './types';

export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const CODE_MESSAGES: Record<string, string> = {
  invalid_code: '登录凭证无效或已过期，请重新打开小程序',
  wrong_corp: '当前企业微信账号不属于本企业',
  not_a_member: '您还未开通线索系统，请联系管理员',
  invalid_refresh: '登录已过期，请重新登录',
  unauthorized: '登录已过期，请重新登录',
  rate_limited: '操作太频繁，请稍后再试',
  not_found: '内容不存在或您无权查看',
  validation_failed: '填写的内容有误，请检查后重试',
  bad_request: '填写的内容有误，请检查后重试',
  conflict: '操作冲突，请刷新后重试',
  wecom_error: '企业微信暂时无法处理，请稍后重试',
  wecom_unreachable: '暂时连不上企业微信，请稍后重试',
  internal: '服务器开小差了，请稍后重试',
};

export const NETWORK_MESSAGE = '网络连接失败，请检查网络后重试';
const FALLBACK_MESSAGE = '操作失败，请稍后重试';
const CHINESE = /[\u4e00-\u9fa5]/;

function statusMessage(status: number): string {
  if (status === 401) return CODE_MESSAGES.unauthorized;
  if (status === 403) return '您没有权限进行此操作';
  if (status === 404) return CODE_MESSAGES.not_found;
  if (status === 429) return CODE_MESSAGES.rate_limited;
  if (status >= 500) return CODE_MESSAGES.internal;
  if (status >= 400) return CODE_MESSAGES.bad_request;
  return FALLBACK_MESSAGE;
}

/** The server renders `{ error: code, message }`; the contract also allows `{ error: { code, message } }`. */
export function toApiError(status: number, body: unknown): ApiError {
  let code = '';
  let message = '';
  if (body && typeof body === 'object') {
    const error = (body as { error?: unknown }).error;
    if (typeof error === 'string') {
      code = error;
      message = String((body as { message?: unknown }).message ?? '');
    } else if (error && typeof error === 'object') {
      code = String((error as { code?: unknown }).code ?? '');
      message = String((error as { message?: unknown }).message ?? '');
    }
  }
  const text = message && CHINESE.test(message) ? message : CODE_MESSAGES[code] ?? statusMessage(status);
  return new ApiError(status, code || `http_${status}`, text);
}

/** What a page shows for any error it caught. */
export function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : FALLBACK_MESSAGE;
}

export function toast(message: string): void {
  wx.showToast({ title: message, icon: 'none', duration: 2500 });
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** false for sign-in and refresh, which carry no token. */
  auth?: boolean;
  /** No toast: the caller shows the error itself (e.g. a page's error state). */
  silent?: boolean;
}

export function buildUrl(path: string, query?: Query): string {
  const pairs = Object.entries(query ?? {})
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  return `${config.baseUrl}${path}${pairs.length ? `?${pairs.join('&')}` : ''}`;
}

interface RawResponse {
  statusCode: number;
  data: unknown;
}

function send(method: Method, url: string, body: unknown, token: string | null): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const header: Record<string, string> = { 'content-type': 'application/json' };
    if (token) header.Authorization = `Bearer ${token}`;
    wx.request({
      url,
      method,
      header,
      data: body === undefined ? undefined : (body as WechatMiniprogram.IAnyObject),
      dataType: 'json',
      timeout: 15000,
      success: (res) => resolve({ statusCode: res.statusCode, data: res.data }),
      fail: () => reject(new ApiError(0, 'network', NETWORK_MESSAGE)),
    });
  });
}

let refreshing: Promise<boolean> | null = null;

/** One refresh at a time; requests that got a 401 meanwhile wait for it and retry. */
function refreshSession(refreshToken: string): Promise<boolean> {
  if (!refreshing) {
    refreshing = send('POST', buildUrl('/api/mp/refresh'), { refreshToken }, null)
      .then((res) => {
        if (res.statusCode !== 200 || !res.data || typeof res.data !== 'object') return false;
        saveSession(res.data as LoginResponse);
        return true;
      })
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

export function goToLogin(): void {
  wx.reLaunch({ url: '/pages/login/login' });
}

function signedOut(silent: boolean | undefined): ApiError {
  clearSession();
  goToLogin();
  const error = new ApiError(401, 'unauthorized', CODE_MESSAGES.unauthorized);
  if (!silent) toast(error.message);
  return error;
}

export async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const auth = options.auth !== false;
  const session = auth ? getSession() : null;
  if (auth && !session) throw signedOut(options.silent);
  let res: RawResponse;
  try {
    res = await send(method, buildUrl(path, options.query), options.body, session?.accessToken ?? null);
    if (auth && res.statusCode === 401) {
      const refreshed = await refreshSession(session!.refreshToken);
      if (!refreshed) throw signedOut(options.silent);
      res = await send(method, buildUrl(path, options.query), options.body, getSession()!.accessToken);
      if (res.statusCode === 401) throw signedOut(options.silent);
    }
  } catch (error) {
    const apiError = error instanceof ApiError ? error : new ApiError(0, 'network', NETWORK_MESSAGE);
    if (!options.silent && apiError.code !== 'unauthorized') toast(apiError.message);
    throw apiError;
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return (res.statusCode === 204 ? undefined : res.data) as T;
  const error = toApiError(res.statusCode, res.data);
  if (!options.silent) toast(error.message);
  throw error;
}

const leadPath = (id: number | string) => `/api/mp/leads/${encodeURIComponent(String(id))}`;

export interface LeadQuery {
  scope?: LeadScope;
  grade?: string;
  stage?: string;
  channelId?: number | string;
  tag?: string;
  q?: string;
  sort?: LeadSort;
  cursor?: string | null;
  limit?: number;
}

/** The /api/mp routes the pages use, one function each. */
export const api = {
  login: (code: string) => request<LoginResponse>('POST', '/api/mp/login', { body: { code }, auth: false, silent: true }),
  logout: () => request<void>('POST', '/api/mp/logout', { silent: true }),
  me: () => request<Member>('GET', '/api/mp/me', { silent: true }),

  leads: (query: LeadQuery) => request<Page<LeadCard>>('GET', '/api/mp/leads', { query: { ...query }, silent: true }),
  lead: (id: number | string) => request<LeadDetail>('GET', leadPath(id), { silent: true }),
  contactLead: (externalUserId: string) =>
    request<LeadDetail>('GET', `/api/mp/contacts/${encodeURIComponent(externalUserId)}/lead`, { silent: true }),
  revealPhone: (id: number, purpose: string) =>
    request<{ phone: string }>('POST', `${leadPath(id)}/phone/reveal`, { body: { purpose } }),
  setTags: (id: number, tags: string[]) => request<{ tags: string[] }>('PUT', `${leadPath(id)}/tags`, { body: { tags } }),
  followUps: (id: number, cursor?: string | null) =>
    request<Page<FollowUp>>('GET', `${leadPath(id)}/follow-ups`, { query: { cursor }, silent: true }),
  logFollowUp: (id: number, input: FollowUpInput) =>
    request<{ followUp: FollowUp; lead: { id: number; stage: string } }>('POST', `${leadPath(id)}/follow-ups`, { body: input }),
  changeStage: (id: number, stage: string, reason?: string) =>
    request<{ lead: { id: number; stage: string; stageLabel: string } }>('POST', `${leadPath(id)}/stage`, {
      body: reason ? { stage, reason } : { stage },
    }),
  claim: (id: number) => request<{ lead: LeadCard }>('POST', `${leadPath(id)}/claim`),
  returnToPool: (id: number, reason: string) => request<{ lead: LeadCard }>('POST', `${leadPath(id)}/return`, { body: { reason } }),
  stages: () => request<StageOption[]>('GET', '/api/mp/stages', { silent: true }),
  tags: () => request<TagOption[]>('GET', '/api/mp/tags', { silent: true }),

  leadNurture: (id: number) => request<LeadNurture>('GET', `${leadPath(id)}/nurture`, { silent: true }),
  nurtureSequences: () => request<{ sequences: NurtureSequenceOption[] }>('GET', '/api/mp/nurture/sequences', { silent: true }),
  enrollNurture: (id: number, sequenceKey: string) =>
    request<{ enrollment: NurtureEnrollment }>('POST', `${leadPath(id)}/nurture`, { body: { sequenceKey } }),
  stopNurture: (id: number, enrollmentId: number) =>
    request<{ enrollment: NurtureEnrollment }>('POST', `${leadPath(id)}/nurture/${encodeURIComponent(String(enrollmentId))}/exit`),

  consent: () => request<Consent>('GET', '/api/mp/consent', { silent: true }),
  createEntry: (input: { name: string; phone: string; consent: true; consentVersion: string }) =>
    request<{ entry: Entry }>('POST', '/api/mp/entries', { body: input }),
  entries: (day?: string) => request<{ items: Entry[] }>('GET', '/api/mp/entries', { query: { day }, silent: true }),

  stats: (from: string, to: string) => request<Stats>('GET', '/api/mp/stats', { query: { from, to }, silent: true }),

  leadChats: (id: number, query: { q?: string; before?: string | null; limit?: number } = {}) =>
    request<LeadChats>('GET', `${leadPath(id)}/chats`, { query: { ...query }, silent: true }),
  searchChats: (query: { q: string; before?: string | null; limit?: number }) =>
    request<Page<ChatSearchHit>>('GET', '/api/mp/chats/search', { query: { ...query }, silent: true }),
};

/**
 * A chat message's file (its `media.url`, a server path) downloaded with the member's token, as
 * wx.downloadFile's temp file: an <image> cannot send the Authorization header itself.
 */
export function downloadMedia(path: string): Promise<string> {
  const token = getSession()?.accessToken;
  return new Promise((resolve, reject) => {
    wx.downloadFile({
      url: buildUrl(path),
      header: token ? { Authorization: `Bearer ${token}` } : {},
      success: (res) =>
        res.statusCode === 200 ? resolve(res.tempFilePath) : reject(new ApiError(res.statusCode, `http_${res.statusCode}`, res.statusCode === 404 ? '文件不存在或尚未下载' : statusMessage(res.statusCode))),
      fail: () => reject(new ApiError(0, 'network', NETWORK_MESSAGE)),
    });
  });
}

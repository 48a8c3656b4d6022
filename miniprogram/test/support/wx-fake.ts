/**
 * A fake of the mini-program runtime at its edges: wx.request answers from routes the test
 * sets up (fixtures from test/fixtures/), and every request, toast, navigation and phone call
 * is recorded so a test can assert what went out and what the user was told. wx.qy plays the
 * WeCom client (login code, entry context, current external contact).
 */
import type { LoginResponse, Member } from '../../utils/types';

export interface FakeRequest {
  method: string;
  url: string;
  path: string;
  query: Record<string, string>;
  body: any;
  headers: Record<string, string>;
}

export interface FakeReply {
  status?: number;
  body?: unknown;
  /** wx.request's fail callback (no connection). */
  networkError?: boolean;
  /** Answer after this many milliseconds (to see a loading state). */
  delayMs?: number;
}

type Handler = FakeReply | ((request: FakeRequest) => FakeReply);

interface Route {
  method: string;
  path: string | RegExp;
  replies: Handler[];
}

export interface QyFake {
  code?: string;
  loginFails?: boolean;
  entry?: string;
  externalUserId?: string | null;
}

export const BASE_URL = 'http://127.0.0.1:3000';

export class WxFake {
  requests: FakeRequest[] = [];
  toasts: string[] = [];
  navigations: { kind: string; url?: string; delta?: number }[] = [];
  phoneCalls: string[] = [];
  unmatched: string[] = [];
  storage = new Map<string, unknown>();
  qy: QyFake | null = null;
  private routes: Route[] = [];

  /** Answers `method path` with the replies in order; the last one repeats. */
  on(method: string, path: string | RegExp, ...replies: Handler[]): this {
    this.routes.unshift({ method, path, replies });
    return this;
  }

  reset(): void {
    this.requests = [];
    this.toasts = [];
    this.navigations = [];
    this.phoneCalls = [];
    this.unmatched = [];
    this.storage.clear();
    this.routes = [];
    this.qy = null;
  }

  /** A member already signed in (tokens in storage, as after POST /api/mp/login). */
  signIn(login: LoginResponse): void {
    const { accessToken, refreshToken, accessExpiresAt, refreshExpiresAt, member } = login;
    this.storage.set('xiansuo.session', { accessToken, refreshToken, accessExpiresAt, refreshExpiresAt, member });
  }

  member(): Member | null {
    return (this.storage.get('xiansuo.session') as { member?: Member } | undefined)?.member ?? null;
  }

  /** Requests sent to `method path` (path without the query). */
  sent(method: string, path: string): FakeRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  last(method: string, path: string): FakeRequest {
    const found = this.sent(method, path);
    if (!found.length) throw new Error(`no ${method} ${path} was sent; sent: ${this.requests.map((r) => `${r.method} ${r.url}`).join(', ')}`);
    return found[found.length - 1];
  }

  private answer(request: FakeRequest): FakeReply | null {
    for (const route of this.routes) {
      if (route.method !== request.method) continue;
      const matches = typeof route.path === 'string' ? route.path === request.path : route.path.test(request.path);
      if (!matches) continue;
      const handler = route.replies.length > 1 ? route.replies.shift()! : route.replies[0];
      return typeof handler === 'function' ? handler(request) : handler;
    }
    return null;
  }

  install(): void {
    const fake = this;
    const wx = (globalThis as any).wx;
    wx.request = (options: WechatMiniprogram.RequestOption) => {
      const url = new URL(options.url);
      const request: FakeRequest = {
        method: (options.method ?? 'GET').toUpperCase(),
        url: options.url,
        path: decodeURIComponent(url.pathname),
        query: Object.fromEntries(url.searchParams.entries()),
        body: options.data === undefined ? undefined : JSON.parse(JSON.stringify(options.data)),
        headers: { ...(options.header as Record<string, string>) },
      };
      fake.requests.push(request);
      const reply = url.origin === BASE_URL ? fake.answer(request) : null;
      setTimeout(() => {
        if (!reply) {
          fake.unmatched.push(`${request.method} ${request.url}`);
          options.fail?.({ errMsg: 'request:fail unmatched in test' } as any);
        } else if (reply.networkError) {
          options.fail?.({ errMsg: 'request:fail timeout' } as any);
        } else {
          options.success?.({ statusCode: reply.status ?? 200, data: reply.body as any, header: {}, cookies: [], errMsg: 'request:ok' } as any);
        }
      }, reply?.delayMs ?? 0);
      return { abort() {} };
    };
    wx.getStorageSync = (key: string) => (fake.storage.has(key) ? fake.storage.get(key) : '');
    wx.setStorageSync = (key: string, value: unknown) => void fake.storage.set(key, JSON.parse(JSON.stringify(value)));
    wx.removeStorageSync = (key: string) => void fake.storage.delete(key);
    wx.showToast = (options: { title: string }) => void fake.toasts.push(options.title);
    wx.hideToast = () => undefined;
    wx.showLoading = () => undefined;
    wx.hideLoading = () => undefined;
    for (const kind of ['navigateTo', 'redirectTo', 'reLaunch', 'switchTab']) {
      wx[kind] = (options: { url: string; success?: () => void }) => {
        fake.navigations.push({ kind, url: options.url });
        options.success?.();
      };
    }
    wx.navigateBack = (options: { delta?: number } = {}) => void fake.navigations.push({ kind: 'navigateBack', delta: options.delta ?? 1 });
    wx.makePhoneCall = (options: { phoneNumber: string }) => void fake.phoneCalls.push(options.phoneNumber);
    wx.stopPullDownRefresh = () => undefined;
    wx.setNavigationBarTitle = () => undefined;
    wx.getAccountInfoSync = () => ({ miniProgram: { appId: 'wx-test', envVersion: 'develop', version: '' } });
    wx.getWindowInfo = () => ({ pixelRatio: 2, windowWidth: 375, windowHeight: 667, screenWidth: 375, screenHeight: 667, statusBarHeight: 20, safeArea: { top: 20, bottom: 667, left: 0, right: 375, width: 375, height: 647 } });
    Object.defineProperty(wx, 'qy', {
      configurable: true,
      get: () => (fake.qy ? fake.qyApi() : undefined),
    });
  }

  private qyApi(): WechatMiniprogram.Qy {
    const state = this.qy!;
    return {
      login: (options) =>
        setTimeout(() => (state.loginFails ? options.fail?.({ errMsg: 'qy.login:fail' }) : options.success?.({ code: state.code ?? 'code-1' })), 0),
      getContext: (options) => setTimeout(() => options.success?.({ entry: state.entry ?? 'normal' }), 0),
      getCurExternalContact: (options) =>
        setTimeout(
          () =>
            state.externalUserId
              ? options.success?.({ userId: state.externalUserId })
              : options.fail?.({ errMsg: 'getCurExternalContact:fail without context of external contact' }),
          0,
        ),
    };
  }
}

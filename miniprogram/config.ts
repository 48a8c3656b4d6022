/**
 * Where the mini-program finds the Xiansuo server, per version of the mini-program
 * (WeChat DevTools runs `develop`; an uploaded test build runs `trial`; the published one
 * `release`). Each host must be a legal request domain (request 合法域名) of the mini-program,
 * except in DevTools with "不校验合法域名" ticked. See miniprogram/README.md.
 */
const BASE_URLS: Record<string, string> = {
  develop: 'http://127.0.0.1:3000',
  trial: 'https://xiansuo.example.com',
  release: 'https://xiansuo.example.com',
};

function envVersion(): string {
  try {
    return wx.getAccountInfoSync().miniProgram.envVersion || 'develop';
  } catch {
    return 'develop';
  }
}

export const config = {
  /** No trailing slash. */
  get baseUrl(): string {
    return BASE_URLS[envVersion()] ?? BASE_URLS.develop;
  },
  /**
   * Outside the WeCom client (DevTools without the WeCom mode, a phone's WeChat) there is no
   * wx.qy.login: the sign-in page then offers a field for a login code the demo server issues
   * (`npm run demo:login-code -- <userid>`). Only the development build offers it.
   */
  get demoLogin(): boolean {
    return envVersion() === 'develop';
  },
};

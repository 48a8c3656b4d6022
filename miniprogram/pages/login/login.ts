import { api, messageOf } from '../../utils/api';
import { config } from '../../config';
import { getSession, homePage, saveSession } from '../../utils/session';

/**
 * Sign-in: wx.qy.login() gives a one-time code, POST /api/mp/login exchanges it for the
 * member's tokens, and the member's roles decide the first page. Outside WeCom, the development
 * build takes a demo login code instead (see miniprogram/README.md).
 */
Component({
  data: {
    state: 'loading' as 'loading' | 'error' | 'demo',
    errorText: '',
    demoCode: '',
    submitting: false,
  },
  methods: {
    onLoad(): void {
      const session = getSession();
      if (session) {
        wx.reLaunch({ url: homePage(session.member) });
        return;
      }
      this.start();
    },
    start(): void {
      const qy = wx.qy;
      if (qy) {
        this.setData({ state: 'loading', errorText: '' });
        qy.login({
          success: (res) => this.signIn(res.code),
          fail: () => this.setData({ state: 'error', errorText: '企业微信登录失败，请稍后重试' }),
        });
      } else if (config.demoLogin) {
        this.setData({ state: 'demo', errorText: '' });
      } else {
        this.setData({ state: 'error', errorText: '请在企业微信中打开线索小程序' });
      }
    },
    async signIn(code: string): Promise<void> {
      try {
        const response = await api.login(code);
        const session = saveSession(response);
        wx.reLaunch({ url: homePage(session.member) });
      } catch (error) {
        this.setData({ state: wx.qy ? 'error' : 'demo', errorText: messageOf(error), submitting: false });
      }
    },
    onRetry(): void {
      this.start();
    },
    onDemoInput(event: WechatMiniprogram.Input): void {
      this.setData({ demoCode: event.detail.value });
    },
    onDemoSubmit(): void {
      const code = this.data.demoCode.trim();
      if (!code) {
        this.setData({ errorText: '请输入登录码' });
        return;
      }
      this.setData({ submitting: true, errorText: '' });
      this.signIn(code);
    },
  },
});

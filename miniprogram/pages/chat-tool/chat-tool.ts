import { api, messageOf } from '../../utils/api';
import { getSession, homePage, saveSession } from '../../utils/session';
import { CONTACT_ENTRIES, WecomError, inWecom, qyCurrentContact, qyEntry, qyLogin } from '../../utils/wecom';

/**
 * The page to configure in WeCom's chat toolbar (聊天工具栏) and contact profile (客户详情):
 * signs in if needed, asks WeCom which customer the chat is with (wx.qy.getContext, then
 * wx.qy.getCurExternalContact) and opens that customer's lead — the server makes a customer of
 * this rep who is not a lead yet into one (GET /api/mp/contacts/:externalUserId/lead).
 */
Component({
  data: {
    state: 'loading',
    loadingText: '正在打开客户线索…',
    errorText: '',
  },
  methods: {
    onLoad(): void {
      this.start();
    },
    async start(): Promise<void> {
      this.setData({ state: 'loading', errorText: '' });
      try {
        if (!inWecom()) throw new WecomError('请在企业微信的客户聊天中打开');
        if (!getSession()) saveSession(await api.login(await qyLogin()));
        const entry = await qyEntry();
        if (!CONTACT_ENTRIES.includes(entry)) throw new WecomError('请从客户聊天的工具栏打开，即可查看该客户的线索');
        const externalUserId = await qyCurrentContact();
        wx.redirectTo({ url: `/pages/lead/lead?externalUserId=${encodeURIComponent(externalUserId)}` });
      } catch (error) {
        this.setData({ state: 'error', errorText: error instanceof WecomError ? error.message : messageOf(error) });
      }
    },
    goHome(): void {
      const session = getSession();
      wx.reLaunch({ url: session ? homePage(session.member) : '/pages/login/login' });
    },
  },
});

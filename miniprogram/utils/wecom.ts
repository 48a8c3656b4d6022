/** The WeCom client's wx.qy calls as promises; each rejects with a WecomError in Chinese. */

export class WecomError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WecomError';
  }
}

function qy(): WechatMiniprogram.Qy {
  const api = wx.qy;
  if (!api) throw new WecomError('请在企业微信中打开线索小程序');
  return api;
}

export const inWecom = (): boolean => !!wx.qy;

export function qyLogin(): Promise<string> {
  return new Promise((resolve, reject) => {
    qy().login({ success: (res) => resolve(res.code), fail: () => reject(new WecomError('企业微信登录失败，请稍后重试')) });
  });
}

/** `single_chat_tools`, `contact_profile`, `normal`, … */
export function qyEntry(): Promise<string> {
  return new Promise((resolve, reject) => {
    qy().getContext({ success: (res) => resolve(res.entry), fail: () => reject(new WecomError('无法识别打开方式，请重新打开')) });
  });
}

/** The external_userid of the customer whose chat (or profile) the toolbar was opened from. */
export function qyCurrentContact(): Promise<string> {
  return new Promise((resolve, reject) => {
    qy().getCurExternalContact({
      success: (res) => resolve(res.userId),
      fail: () => reject(new WecomError('无法获取当前客户，请确认应用已开通客户联系权限')),
    });
  });
}

/** Entries from which getCurExternalContact answers. */
export const CONTACT_ENTRIES = ['single_chat_tools', 'contact_profile'];

/**
 * The WeCom client's mini-program APIs (wx.qy.*), which miniprogram-api-typings does not
 * describe. Only what this mini-program calls, as WeCom's client API documents it.
 */
declare namespace WechatMiniprogram {
  interface QyLoginSuccess {
    code: string;
    errMsg?: string;
  }
  interface QyContextSuccess {
    /** normal, contact_profile, single_chat_tools, group_chat_tools, chat_attachment, … */
    entry: string;
    shareTicket?: string;
    errMsg?: string;
  }
  interface QyExternalContactSuccess {
    /** The external contact's external_userid. */
    userId: string;
    errMsg?: string;
  }
  interface QyFail {
    errMsg: string;
  }
  interface QyCallbacks<T> {
    success?: (res: T) => void;
    fail?: (err: QyFail) => void;
    complete?: () => void;
  }
  interface Qy {
    login(options: QyCallbacks<QyLoginSuccess>): void;
    getContext(options: QyCallbacks<QyContextSuccess>): void;
    getCurExternalContact(options: QyCallbacks<QyExternalContactSuccess>): void;
  }
  interface Wx {
    /** Present only inside the WeCom client. */
    qy?: Qy;
  }
}

import { newLoginCode } from '../ids';

/** Mini-program login codes for jscode2session (wecom-reference.md §6). */

export interface LoginCode {
  code: string;
  userid: string;
  issuedAt: number;
  used: boolean;
  /** The corp jscode2session names for this code: the simulator's own unless a test plays another. */
  corpId?: string;
}

export class LoginCodeStore {
  readonly codes = new Map<string, LoginCode>();

  constructor(private readonly now: () => number) {}

  /** What `wx.qy.login()` would hand the mini-program: a one-time code for jscode2session. */
  issue(userid: string, options: { corpId?: string } = {}): string {
    const code = newLoginCode();
    this.codes.set(code, { code, userid, issuedAt: this.now(), used: false, ...options });
    return code;
  }
}

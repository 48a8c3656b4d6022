import { newWelcomeCode } from '../ids';

/** Welcome codes WeCom hands out with add events, and the welcomes sent with them (wecom-reference.md §4.3). */

export interface WelcomeCode {
  code: string;
  userid: string;
  external_userid: string;
  issuedAt: number;
  usedAt?: number;
}

export interface WelcomeMessage {
  welcome_code: string;
  userid: string;
  external_userid: string;
  text?: { content: string };
  attachments: unknown[];
  at: number;
}

export class WelcomeStore {
  readonly codes = new Map<string, WelcomeCode>();
  /** Every accepted send_welcome_msg, in order. */
  readonly messages: WelcomeMessage[] = [];

  constructor(private readonly now: () => number) {}

  /** What WeCom does when a customer is added: a code valid for 20 s for one send_welcome_msg call. */
  issue(userid: string, externalUserId: string): string {
    const code = newWelcomeCode();
    this.codes.set(code, { code, userid, external_userid: externalUserId, issuedAt: this.now() });
    return code;
  }
}

import type { GroupMsgSendResult } from '../../dto';
import type { ContactStore } from './contacts';
import { seconds } from './time';

/** Group-message tasks (add_msg_template) and their per-recipient results (wecom-reference.md §4.4). */

export type SendResult = GroupMsgSendResult & { status: 0 | 1 | 2 | 3 };

export interface MessageTemplate {
  msgid: string;
  chat_type: 'single' | 'group';
  sender?: string;
  text?: { content: string };
  attachments: unknown[];
  createdAt: number;
  recipients: SendResult[];
}

export class TemplateStore {
  readonly templates = new Map<string, MessageTemplate>();

  constructor(
    private readonly contacts: ContactStore,
    private readonly now: () => number,
  ) {}

  /** Plays the rep confirming a group-message task: their unsent recipients become sent (or "not a friend"). */
  confirm(msgid: string, userid?: string): MessageTemplate {
    const template = this.templates.get(msgid);
    if (!template) throw new Error(`unknown msgid ${msgid}`);
    const now = seconds(this.now());
    for (const r of template.recipients) {
      if (r.status !== 0 || (userid !== undefined && r.userid !== userid)) continue;
      const stillFriend = r.external_userid === undefined || this.contacts.follow(r.userid, r.external_userid) !== undefined;
      r.status = stillFriend ? 1 : 2;
      if (stillFriend) r.send_time = now;
    }
    return template;
  }
}

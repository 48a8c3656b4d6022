import type { GroupMsgSendResult, GroupMsgTask } from '../../dto';
import { newMsgId } from '../ids';
import type { ContactStore } from './contacts';
import { seconds } from './time';

/**
 * Group-message tasks (add_msg_template), the member's confirmation, per-recipient results and
 * the corp's per-customer cap (wecom-reference.md §4.4).
 *
 * The cap: a customer (or customer group) receives at most N corp group messages per natural
 * period in Asia/Shanghai, N set by the corp's rule (群发助手 → 设置群发规则): as many per month as
 * the month has days (default), 7 per week (Monday to Sunday) or 1 per day. Every message of the
 * corp counts, whichever member sent it; only deliveries (status 1) use the budget. A recipient
 * over the cap when the member confirms gets status 3 and nothing is delivered.
 */

export type SendResult = GroupMsgSendResult & { status: 0 | 1 | 2 | 3 };

/** The corp's group-message rule: per natural month (days-in-month), week (7) or day (1). */
export type GroupMessageRule = 'month' | 'week' | 'day';

export interface MessageTemplate {
  msgid: string;
  chat_type: 'single' | 'group';
  /** For corp messages the `sender` add_msg_template named; for a member's own message, that member. */
  sender?: string;
  /** 0 created by the corp through add_msg_template, 1 created by a member in the WeCom client. */
  createType: 0 | 1;
  allow_select: boolean;
  text?: { content: string };
  attachments: unknown[];
  createdAt: number;
  recipients: SendResult[];
  /** One task per member who has recipients, in order of first recipient. */
  tasks: Array<GroupMsgTask & { status: 0 | 2 }>;
  /** When remind_groupmsg_send was accepted for it (ms). */
  reminders: number[];
  /** Set by cancel_groupmsg_send: unconfirmed members can no longer send it. */
  cancelledAt?: number;
}

/** A period of the rule: [start, end) in ms and how many messages a recipient may receive in it. */
export interface CapPeriod {
  start: number;
  end: number;
  limit: number;
}

const DAY_MS = 86_400_000;
/** Asia/Shanghai is UTC+8 all year (no daylight saving time). */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** The natural month, week (Monday first) or day in Asia/Shanghai that contains `at`. */
export function capPeriod(rule: GroupMessageRule, at: number): CapPeriod {
  const local = new Date(at + SHANGHAI_OFFSET_MS);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  const d = local.getUTCDate();
  if (rule === 'day') {
    const start = Date.UTC(y, m, d) - SHANGHAI_OFFSET_MS;
    return { start, end: start + DAY_MS, limit: 1 };
  }
  if (rule === 'week') {
    const sinceMonday = (local.getUTCDay() + 6) % 7;
    const start = Date.UTC(y, m, d - sinceMonday) - SHANGHAI_OFFSET_MS;
    return { start, end: start + 7 * DAY_MS, limit: 7 };
  }
  const start = Date.UTC(y, m, 1) - SHANGHAI_OFFSET_MS;
  const end = Date.UTC(y, m + 1, 1) - SHANGHAI_OFFSET_MS;
  return { start, end, limit: Math.round((end - start) / DAY_MS) };
}

/** What get_groupmsg_list_v2 filters by. */
export interface MessageQuery {
  chatType: 'single' | 'group';
  /** The window in epoch seconds, both ends inclusive, compared with the creation second as WeCom reports it. */
  startTime: number;
  endTime: number;
  creator?: string;
  /** Only this create_type; undefined for both. */
  createType?: 0 | 1;
}

export class TemplateStore {
  readonly templates = new Map<string, MessageTemplate>();
  /** The corp's rule; change it with `setRule` (or the simulator's `groupMessageRule` option). */
  rule: GroupMessageRule = 'month';
  /** external_userid or chat_id → times (ms) of every group message delivered to it (status 1). */
  readonly received = new Map<string, number[]>();

  constructor(
    private readonly contacts: ContactStore,
    private readonly now: () => number,
  ) {}

  setRule(rule: GroupMessageRule): void {
    if (rule !== 'month' && rule !== 'week' && rule !== 'day') throw new Error(`unknown group message rule ${String(rule)}`);
    this.rule = rule;
  }

  /** What the recipient (external_userid or chat_id) has used of the current period's cap. */
  budget(recipient: string, at = this.now()): CapPeriod & { used: number; remaining: number } {
    const period = capPeriod(this.rule, at);
    const used = (this.received.get(recipient) ?? []).filter((t) => t >= period.start && t < period.end).length;
    return { ...period, used, remaining: Math.max(0, period.limit - used) };
  }

  /**
   * Records a delivery that did not come through an API task (e.g. a message the member sent
   * from the WeCom client on their own): it uses the recipient's cap like any other.
   */
  recordDelivery(recipient: string, at = this.now()): void {
    let times = this.received.get(recipient);
    if (!times) this.received.set(recipient, (times = []));
    times.push(at);
  }

  /**
   * Plays a member writing a group message in the WeCom client and sending it at once
   * (个人群发, create_type 1). Only its record is kept, for get_groupmsg_list_v2: who received it is
   * not modelled and it uses no cap (recordDelivery does that when a test needs it).
   */
  addMemberMessage(
    creator: string,
    content: { chat_type?: 'single' | 'group'; text?: { content: string }; attachments?: unknown[] },
  ): MessageTemplate {
    if (!content.text && !content.attachments?.length) throw new Error('a group message needs text or attachments');
    const at = this.now();
    const template: MessageTemplate = {
      msgid: newMsgId(),
      chat_type: content.chat_type ?? 'single',
      sender: creator,
      createType: 1,
      allow_select: false,
      ...(content.text ? { text: { content: content.text.content } } : {}),
      attachments: content.attachments ?? [],
      createdAt: at,
      recipients: [],
      tasks: [{ userid: creator, status: 2, send_time: seconds(at) }],
      reminders: [],
    };
    this.templates.set(template.msgid, template);
    return template;
  }

  /**
   * The messages get_groupmsg_list_v2 lists, in order of creation. The sort is stable, so messages
   * created in the same millisecond (or a test that moved the clock back) keep insertion order.
   */
  query(q: MessageQuery): MessageTemplate[] {
    return [...this.templates.values()]
      .filter(
        (t) =>
          t.chat_type === q.chatType &&
          seconds(t.createdAt) >= q.startTime &&
          seconds(t.createdAt) <= q.endTime &&
          (q.creator === undefined || t.sender === q.creator) &&
          (q.createType === undefined || t.createType === q.createType),
      )
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  require(msgid: string): MessageTemplate {
    const template = this.templates.get(msgid);
    if (!template) throw new Error(`unknown msgid ${msgid}`);
    return template;
  }

  /**
   * Plays member `userid` (every member with a task when omitted) confirming the message in the
   * WeCom client. Each of their unsent recipients gets its result now: 2 when the relation is
   * gone (or the group dismissed, or the member no longer owns it), 3 when the recipient's cap
   * for the current period is spent, else 1 (delivered, counted against the cap). Members who
   * already confirmed are left alone. Throws for an unknown msgid, a cancelled message, or a
   * member without a task in it.
   */
  confirm(msgid: string, userid?: string): MessageTemplate {
    const template = this.require(msgid);
    if (template.cancelledAt !== undefined) throw new Error(`group message ${msgid} was cancelled`);
    if (userid !== undefined && !template.tasks.some((t) => t.userid === userid)) {
      throw new Error(`member ${userid} has no task in group message ${msgid}`);
    }
    const at = this.now();
    for (const task of template.tasks) {
      if (task.status !== 0 || (userid !== undefined && task.userid !== userid)) continue;
      task.status = 2;
      task.send_time = seconds(at);
      for (const r of template.recipients) {
        if (r.userid !== task.userid || r.status !== 0) continue;
        const key = r.external_userid ?? r.chat_id!;
        if (!this.reachable(r)) r.status = 2;
        else if (this.budget(key, at).remaining === 0) r.status = 3;
        else {
          r.status = 1;
          r.send_time = seconds(at);
          this.recordDelivery(key, at);
        }
      }
    }
    return template;
  }

  private reachable(r: SendResult): boolean {
    if (r.external_userid !== undefined) return this.contacts.follow(r.userid, r.external_userid) !== undefined;
    return this.groupOwner?.(r.chat_id!) === r.userid;
  }

  /** Set by the state: who owns a customer group now (undefined once it is dismissed). */
  groupOwner?: (chatId: string) => string | undefined;
}

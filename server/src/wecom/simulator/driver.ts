import { createHash, randomBytes } from 'node:crypto';
import { CallbackCrypto } from '../crypto';
import { CallbackFields, renderCallbackXml } from './callback-xml';
import { newChatId, newExternalUserId, newWelcomeCode } from './ids';
import type { WecomSimulator } from './server';
import type { ExternalContact } from '../dto';
import type { NewGroupMember } from './stores/groups';

/**
 * Plays WeCom's side of the callback channel (wecom-reference.md §1.3, §2): builds event XML,
 * encrypts and signs it, and POSTs it to the callback URL. Scenario helpers also update the
 * simulator's state first, so the API calls the receiver makes afterwards see a consistent corp.
 * It is a plain HTTP client (global fetch, keep-alive), so it works against any server.
 */

export interface WecomDriverOptions {
  callbackUrl: string;
  token: string;
  encodingAesKey: string;
  corpId: string;
  /** Goes into the envelope's AgentID and msgaudit_notify; defaults to the simulator's agentId. */
  agentId?: number;
  simulator?: WecomSimulator;
  /** How long to wait for a reply; WeCom gives up after 5 s. */
  timeoutMs?: number;
  /** Clock in ms for CreateTime/timestamp; defaults to the simulator's clock, else Date.now. */
  now?: () => number;
}

export interface PostOptions {
  /** Re-send the identical request this many more times, as WeCom does when it gets no timely 200. */
  retries?: number;
  timestamp?: string;
  nonce?: string;
}

export interface DeliveryAttempt {
  /** HTTP status; 0 when no response arrived (timeout or connection error, see `error`). */
  status: number;
  body: string;
  error?: string;
}

export interface CallbackResult extends DeliveryAttempt {
  /** The decrypted event XML. */
  plaintext: string;
  /** Every delivery in order; the top-level status/body are those of the last one. */
  attempts: DeliveryAttempt[];
}

export interface SealedCallback {
  plaintext: string;
  /** The POST body: `<xml><ToUserName/><AgentID/><Encrypt/></xml>`. */
  envelope: string;
  query: { msg_signature: string; timestamp: string; nonce: string };
  url: string;
}

type ContactRef = { userId: string; externalUserId: string; retries?: number };
type MemberInput = string | NewGroupMember;

export class WecomDriver {
  private readonly crypto: CallbackCrypto;
  private readonly now: () => number;
  private readonly sim?: WecomSimulator;

  constructor(private readonly options: WecomDriverOptions) {
    this.sim = options.simulator;
    this.now = options.now ?? this.sim?.now ?? (() => Date.now());
    // maxAgeSeconds only matters for open(); the driver only seals.
    this.crypto = new CallbackCrypto({
      token: options.token,
      encodingAesKey: options.encodingAesKey,
      receiveId: options.corpId,
      maxAgeSeconds: 300,
      now: this.now,
    });
  }

  private get agentId(): number | undefined {
    return this.options.agentId ?? this.sim?.agentId;
  }

  // ---- raw delivery ------------------------------------------------------------------------

  /** Builds the event XML (common header + `fields`), encrypts and signs it, without sending. */
  seal(fields: CallbackFields, opts: Pick<PostOptions, 'timestamp' | 'nonce'> = {}): SealedCallback {
    const plaintext = renderCallbackXml({
      ToUserName: this.options.corpId,
      FromUserName: 'sys',
      CreateTime: Math.floor(this.now() / 1000),
      MsgType: 'event',
      ...fields,
    });
    const sealed = this.crypto.seal(plaintext, opts.timestamp, opts.nonce);
    const envelope = renderCallbackXml({
      ToUserName: this.options.corpId,
      // WeCom fills AgentID only for app-related callbacks (here: msgaudit_notify).
      AgentID: fields.AgentID !== undefined ? String(fields.AgentID) : '',
      Encrypt: sealed.encrypt,
    });
    const query = { msg_signature: sealed.msg_signature, timestamp: sealed.timestamp, nonce: sealed.nonce };
    const url = new URL(this.options.callbackUrl);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return { plaintext, envelope, query, url: url.toString() };
  }

  /** Posts one callback; with `retries` the identical request (same envelope and query) is sent again. */
  async postCallback(fields: CallbackFields, opts: PostOptions = {}): Promise<CallbackResult> {
    const sealed = this.seal(fields, opts);
    const attempts: DeliveryAttempt[] = [];
    for (let i = 0; i <= (opts.retries ?? 0); i++) attempts.push(await this.deliver(sealed));
    return { ...attempts[attempts.length - 1], plaintext: sealed.plaintext, attempts };
  }

  /** Plays WeCom's URL verification GET; `ok` when the reply is exactly the decrypted echostr. */
  async verifyUrl(): Promise<DeliveryAttempt & { echostr: string; ok: boolean }> {
    const echostr = randomBytes(9).toString('hex');
    const sealed = this.crypto.seal(echostr);
    const url = new URL(this.options.callbackUrl);
    url.searchParams.set('msg_signature', sealed.msg_signature);
    url.searchParams.set('timestamp', sealed.timestamp);
    url.searchParams.set('nonce', sealed.nonce);
    url.searchParams.set('echostr', sealed.encrypt);
    const attempt = await this.request(url.toString(), { method: 'GET' });
    return { ...attempt, echostr, ok: attempt.status === 200 && attempt.body === echostr };
  }

  private deliver(sealed: SealedCallback): Promise<DeliveryAttempt> {
    return this.request(sealed.url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: sealed.envelope });
  }

  private async request(url: string, init: RequestInit): Promise<DeliveryAttempt> {
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000) });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      // No response counts as a failed delivery (like WeCom), not an exception: callers inspect `status`.
      const e = error as Error & { cause?: { message?: string } };
      if (e.name === 'TimeoutError') return { status: 0, body: '', error: 'timeout' };
      return { status: 0, body: '', error: e.cause?.message ? `${e.message}: ${e.cause.message}` : e.message };
    }
  }

  // ---- customers ---------------------------------------------------------------------------

  /**
   * A customer adds rep `userId` (scanning a 「联系我」 code when `state` is given). In the simulator:
   * registers the member if unknown, creates the customer and the relation, and issues a welcome code.
   * `add_way` defaults to 1 (QR code) — also for mini-program-button contact ways.
   */
  async customerAddsRep(input: {
    userId: string;
    externalUserId?: string;
    state?: string;
    customer?: Partial<ExternalContact>;
    withWelcomeCode?: boolean;
    addWay?: number;
    remark?: string;
    /** Mobiles the rep notes on the contact (follow_user[].remark_mobiles), as typed. */
    remarkMobiles?: string[];
    /** Send add_half_external_contact (skip_verify add the rep has not confirmed yet). */
    half?: boolean;
    retries?: number;
  }): Promise<{ externalUserId: string; welcomeCode?: string; response: CallbackResult }> {
    const externalUserId = input.externalUserId ?? input.customer?.external_userid ?? newExternalUserId();
    let welcomeCode: string | undefined;
    const sim = this.sim;
    if (sim) {
      this.ensureMember(input.userId);
      const existing = sim.state.contacts.get(externalUserId);
      sim.state.addExternalContact({ ...existing, ...input.customer, external_userid: externalUserId });
      sim.state.addFollow(input.userId, externalUserId, {
        add_way: input.addWay ?? 1,
        oper_userid: externalUserId,
        remark: input.remark ?? '',
        remark_mobiles: input.remarkMobiles ?? [],
        ...(input.state ? { state: input.state } : {}),
      });
    }
    if (input.withWelcomeCode ?? true) {
      welcomeCode = sim ? sim.state.issueWelcomeCode(input.userId, externalUserId) : newWelcomeCode();
    }
    const response = await this.postCallback(
      {
        Event: 'change_external_contact',
        ChangeType: input.half ? 'add_half_external_contact' : 'add_external_contact',
        UserID: input.userId,
        ExternalUserID: externalUserId,
        State: input.state,
        WelcomeCode: welcomeCode,
      },
      { retries: input.retries },
    );
    return { externalUserId, welcomeCode, response };
  }

  /** The rep edits remark/description (or the customer's profile changes). */
  async customerEdited(input: ContactRef & { remark?: string; description?: string; customer?: Partial<ExternalContact> }): Promise<CallbackResult> {
    if (this.sim) {
      const relation = this.sim.state.follow(input.userId, input.externalUserId);
      if (relation && input.remark !== undefined) relation.remark = input.remark;
      if (relation && input.description !== undefined) relation.description = input.description;
      const contact = this.sim.state.contacts.get(input.externalUserId);
      if (contact && input.customer) Object.assign(contact, input.customer, { external_userid: contact.external_userid });
    }
    return this.contactEvent('edit_external_contact', input);
  }

  /** The rep deletes the customer; `source: 'DELETE_BY_TRANSFER'` for an in-service transfer. */
  async repDeletesCustomer(input: ContactRef & { source?: string }): Promise<CallbackResult> {
    this.sim?.state.removeFollow(input.userId, input.externalUserId);
    return this.contactEvent('del_external_contact', input, { Source: input.source });
  }

  /** The customer deletes the rep. The simulator drops the relation (later calls get 84061). */
  async customerDeletesRep(input: ContactRef): Promise<CallbackResult> {
    this.sim?.state.removeFollow(input.userId, input.externalUserId);
    return this.contactEvent('del_follow_user', input);
  }

  async transferFailed(input: ContactRef & { reason: 'customer_refused' | 'customer_limit_exceed' }): Promise<CallbackResult> {
    return this.contactEvent('transfer_fail', input, { FailReason: input.reason });
  }

  private contactEvent(changeType: string, ref: ContactRef, extra: CallbackFields = {}): Promise<CallbackResult> {
    return this.postCallback(
      { Event: 'change_external_contact', ChangeType: changeType, UserID: ref.userId, ExternalUserID: ref.externalUserId, ...extra },
      { retries: ref.retries },
    );
  }

  // ---- customer groups ---------------------------------------------------------------------

  /** A rep creates a customer group (the owner is its first member). */
  async groupCreated(input: { owner: string; chatId?: string; name?: string; notice?: string; members?: MemberInput[]; retries?: number }): Promise<{ chatId: string; response: CallbackResult }> {
    let chatId = input.chatId ?? newChatId();
    if (this.sim) {
      this.ensureMember(input.owner);
      chatId = this.sim.state.createGroup({ ...input, chatId, members: input.members?.map(toMember) }).chat_id;
    }
    const response = await this.postCallback({ Event: 'change_external_chat', ChatId: chatId, ChangeType: 'create' }, { retries: input.retries });
    return { chatId, response };
  }

  /**
   * Members join a group. `joinScene` is the callback's value: 0 invited (direct or link), 3 group QR code;
   * in groupchat/get that becomes join_scene 1 or 3 unless a member says otherwise.
   */
  async membersJoin(chatId: string, members: MemberInput[], joinScene: 0 | 3 = 0, opts: PostOptions = {}): Promise<CallbackResult> {
    const list = members.map(toMember).map((m) => ({ ...m, joinScene: m.joinScene ?? (joinScene === 3 ? 3 : 1) }));
    const versions = this.sim ? this.sim.state.addGroupMembers(chatId, list) : detachedVersions(chatId);
    return this.postCallback(
      {
        Event: 'change_external_chat',
        ChatId: chatId,
        ChangeType: 'update',
        UpdateDetail: 'add_member',
        JoinScene: joinScene,
        MemChangeCnt: list.length,
        MemChangeList: { Item: list.map((m) => m.userid) },
        LastMemVer: versions.lastMemVer,
        CurMemVer: versions.curMemVer,
      },
      opts,
    );
  }

  /** Members leave a group: `quitScene` 0 left by themselves, 1 removed by owner/admin. */
  async membersLeave(chatId: string, userIds: string[], quitScene: 0 | 1 = 0, opts: PostOptions = {}): Promise<CallbackResult> {
    const versions = this.sim ? this.sim.state.removeGroupMembers(chatId, userIds) : detachedVersions(chatId);
    return this.postCallback(
      {
        Event: 'change_external_chat',
        ChatId: chatId,
        ChangeType: 'update',
        UpdateDetail: 'del_member',
        QuitScene: quitScene,
        MemChangeCnt: userIds.length,
        MemChangeList: { Item: userIds },
        LastMemVer: versions.lastMemVer,
        CurMemVer: versions.curMemVer,
      },
      opts,
    );
  }

  async groupRenamed(chatId: string, name: string, opts: PostOptions = {}): Promise<CallbackResult> {
    if (this.sim) this.sim.state.requireGroup(chatId).name = name;
    return this.postCallback({ Event: 'change_external_chat', ChatId: chatId, ChangeType: 'update', UpdateDetail: 'change_name' }, opts);
  }

  /** The group is dismissed; groupchat/get answers 40050 for it afterwards. */
  async groupDismissed(chatId: string, opts: PostOptions = {}): Promise<CallbackResult> {
    this.sim?.state.groupChats.delete(chatId);
    return this.postCallback({ Event: 'change_external_chat', ChatId: chatId, ChangeType: 'dismiss' }, opts);
  }

  // ---- tags and chat archive ---------------------------------------------------------------

  /** A corp tag or group changed (make the change in `simulator.state` first, as an admin would). */
  async tagChanged(input: { id: string; tagType: 'tag' | 'tag_group'; changeType: 'create' | 'update' | 'delete' | 'shuffle'; strategyId?: number; retries?: number }): Promise<CallbackResult> {
    return this.postCallback(
      { Event: 'change_external_tag', Id: input.id, TagType: input.tagType, ChangeType: input.changeType, StrategyId: input.strategyId },
      { retries: input.retries },
    );
  }

  /** New archived messages are available (msgaudit_notify, sent with the app's AgentID). */
  async archiveNotify(opts: PostOptions = {}): Promise<CallbackResult> {
    return this.postCallback({ AgentID: this.agentId ?? 0, Event: 'msgaudit_notify' }, opts);
  }

  /** Scenario helpers act for a member; one a test never registered is registered on the fly. */
  private ensureMember(userid: string): void {
    if (this.sim && !this.sim.state.hasMember(userid)) this.sim.state.addMember(userid);
  }
}

const toMember = (m: MemberInput): NewGroupMember => (typeof m === 'string' ? { userid: m } : m);

/** Without a simulator there is no member list; make up distinct versions so receivers still see a change. */
function detachedVersions(chatId: string): { lastMemVer: string; curMemVer: string } {
  const hash = (s: string) => createHash('md5').update(s).digest('hex');
  const salt = randomBytes(8).toString('hex');
  return { lastMemVer: hash(`${chatId}:${salt}:0`), curMemVer: hash(`${chatId}:${salt}:1`) };
}

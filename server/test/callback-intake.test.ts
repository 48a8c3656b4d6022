import fs from 'node:fs';
import path from 'node:path';
import { InboxEvent } from '../src/inbox/inbox-event.entity';
import { welcomeDeadline } from '../src/inbox/intake';
import { CallbackCrypto } from '../src/wecom/crypto';
import { CORP, eventually, Harness, startHarness } from './support/harness';
import { countStatements } from './support/statement-counter';

const vector = JSON.parse(fs.readFileSync(path.resolve(__dirname, 'fixtures/wecom-official-callback-vector.json'), 'utf8'));

async function inboxRows(h: Harness) {
  return h.runtime.ctx.dataSource.getRepository(InboxEvent).find({ order: { id: 'ASC' } });
}

async function post(h: Harness, query: Record<string, string>, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${h.url}/wecom/callback?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml', ...headers },
    body,
  });
  return { status: response.status, body: await response.text() };
}

const envelope = (encrypt: string) => `<xml><ToUserName><![CDATA[${CORP.corpId}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;

describe('WeCom callback intake over HTTP', () => {
  let h: Harness;
  // Workers off: these tests look at what intake alone stores.
  beforeAll(async () => {
    h = await startHarness({ runtime: { runWorkers: false } });
  });
  afterAll(async () => h.close());
  beforeEach(async () => {
    await h.runtime.ctx.dataSource.query('DELETE FROM inbox_event');
    await h.runtime.ctx.dataSource.query('DELETE FROM job');
  });

  const sealer = new CallbackCrypto({ token: CORP.callbackToken, encodingAesKey: CORP.callbackAesKey, receiveId: CORP.corpId, maxAgeSeconds: 600 });
  const addXml = (createTime = Math.floor(Date.now() / 1000), ext = 'wmCustomer0001') =>
    `<xml><ToUserName><![CDATA[${CORP.corpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[${ext}]]></ExternalUserID><State><![CDATA[teststate]]></State><WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode></xml>`;

  it('answers URL verification with the bare decrypted echostr', async () => {
    const result = await h.driver.verifyUrl();
    expect(result.status).toBe(200);
    expect(result.ok).toBe(true);
    expect(result.body).toBe(result.echostr);
  });

  it('echoes an echostr that reads like a mobile number byte for byte (the reply is never masked)', async () => {
    const sealed = sealer.seal('13987654321');
    const response = await fetch(`${h.url}/wecom/callback?${new URLSearchParams({ msg_signature: sealed.msg_signature, timestamp: sealed.timestamp, nonce: sealed.nonce, echostr: sealed.encrypt })}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('13987654321');
  });

  it('rejects URL verification with a forged signature', async () => {
    const sealed = sealer.seal('1234567890');
    const response = await fetch(`${h.url}/wecom/callback?${new URLSearchParams({ msg_signature: 'f'.repeat(40), timestamp: sealed.timestamp, nonce: sealed.nonce, echostr: sealed.encrypt })}`);
    expect(response.status).toBe(401);
  });

  it('stores a valid event once, however often WeCom retries it, and acks with an empty 200', async () => {
    const result = await h.driver.postCallback(
      { Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: 'zhangsan', ExternalUserID: 'wmRetried01', State: 'teststate', WelcomeCode: 'CODE-1' },
      { retries: 3 },
    );
    expect(result.attempts.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(result.attempts.every((a) => a.body === '')).toBe(true);
    const rows = await inboxRows(h);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'contact.added', status: 'pending', partitionKey: 'contact:wmRetried01' });
    expect(rows[0].payload).toMatchObject({ userId: 'zhangsan', externalUserId: 'wmRetried01', state: 'teststate', welcomeCode: 'CODE-1' });
    // The welcome is stored on the same row, by the same INSERT, once; no job row.
    expect(rows[0]).toMatchObject({ welcomeCode: 'CODE-1', welcomeStatus: 'pending', welcomeAttempts: 0, welcomeLeaseOwner: null });
    expect(rows[0].welcomeDeadlineAt).toBe(rows[0].receivedAt + 20_000);
    expect(rows[0].welcomeAvailableAt).toBe(rows[0].receivedAt);
    expect(await h.runtime.ctx.dataSource.query(`SELECT id FROM job`)).toEqual([]);
    // What an operator sees.
    expect((await h.admin('GET', '/api/admin/queues')).body).toEqual({ inbox: { pending: 1 }, welcomes: { pending: 1 }, jobs: {} });
    const listed = (await h.admin('GET', '/api/admin/welcomes?status=pending')).body.items;
    expect(listed).toEqual([expect.objectContaining({ id: rows[0].id, kind: 'welcome', status: 'pending', attempts: 0, deadlineAt: new Date(rows[0].welcomeDeadlineAt!).toISOString() })]);
  });

  it('intake is exactly one statement, an INSERT without a transaction; a retry is one statement that stores nothing', async () => {
    // One event, delivered twice as WeCom retries it: the same CreateTime both times (else a second
    // boundary between the two posts makes them two events).
    const add = { Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: 'zhangsan', ExternalUserID: 'wmOneInsert', State: 'teststate', WelcomeCode: 'CODE-ONE', CreateTime: Math.floor(Date.now() / 1000) };
    const first = await countStatements(h.runtime.ctx.dataSource, () => h.driver.postCallback(add));
    expect(first.result.status).toBe(200);
    expect(first.statements).toEqual([expect.stringMatching(/^INSERT INTO inbox_event \(/)]);
    const retry = await countStatements(h.runtime.ctx.dataSource, () => h.driver.postCallback(add));
    expect(retry.result.status).toBe(200);
    expect(retry.statements).toEqual([expect.stringMatching(/^INSERT INTO inbox_event \(/)]);
    expect(await inboxRows(h)).toHaveLength(1);
    // Not an add: no welcome on the row.
    const edit = await countStatements(h.runtime.ctx.dataSource, () =>
      h.driver.postCallback({ Event: 'change_external_contact', ChangeType: 'edit_external_contact', UserID: 'zhangsan', ExternalUserID: 'wmOneInsert' }),
    );
    expect(edit.statements).toEqual([expect.stringMatching(/^INSERT INTO inbox_event \(/)]);
    const rows = await inboxRows(h);
    expect(rows.map((r) => [r.kind, r.welcomeStatus, r.welcomeCode])).toEqual([
      ['contact.added', 'pending', 'CODE-ONE'],
      ['contact.edited', null, null],
    ]);
  });

  it('an add without a welcome code (e.g. the customer was added from a group chat) stores no welcome', async () => {
    const r = await h.driver.postCallback({ Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: 'zhangsan', ExternalUserID: 'wmNoCode' });
    expect(r.status).toBe(200);
    const [row] = await inboxRows(h);
    expect(row).toMatchObject({ kind: 'contact.added', welcomeStatus: null, welcomeCode: null, welcomeDeadlineAt: null });
  });

  it('a re-encrypted retry of the same event (new nonce and timestamp) is still a no-op', async () => {
    const xml = addXml(1700000000, 'wmReencrypted');
    for (let i = 0; i < 3; i++) {
      const sealed = sealer.seal(xml);
      const r = await post(h, { msg_signature: sealed.msg_signature, timestamp: sealed.timestamp, nonce: sealed.nonce }, envelope(sealed.encrypt));
      expect(r.status).toBe(200);
    }
    expect(await inboxRows(h)).toHaveLength(1);
  });

  it('stores unknown event kinds (marked for the worker to ignore) rather than rejecting them', async () => {
    const result = await h.driver.postCallback({ Event: 'change_contact', ChangeType: 'update_user', UserID: 'lisi' });
    expect(result.status).toBe(200);
    const rows = await inboxRows(h);
    expect(rows).toHaveLength(1);
    expect(rows[0].kind).toBe('unknown');
  });

  describe('bad input: a clear 4xx and nothing stored', () => {
    const valid = () => sealer.seal(addXml());

    it.each([
      ['forged signature', () => { const s = valid(); return { q: { ...q(s), msg_signature: '0'.repeat(40) }, body: envelope(s.encrypt), status: 401, reason: 'bad_signature' }; }],
      ['signature over another payload', () => { const s = valid(); const other = valid(); return { q: q(s), body: envelope(other.encrypt), status: 401, reason: 'bad_signature' }; }],
      ['stale timestamp (correctly signed, an hour old)', () => { const s = sealer.seal(addXml(), String(Math.floor(Date.now() / 1000) - 3600)); return { q: q(s), body: envelope(s.encrypt), status: 401, reason: 'stale_timestamp' }; }],
      ['timestamp from the future', () => { const s = sealer.seal(addXml(), String(Math.floor(Date.now() / 1000) + 3600)); return { q: q(s), body: envelope(s.encrypt), status: 401, reason: 'stale_timestamp' }; }],
      ['wrong corp id (receiveid)', () => { const other = new CallbackCrypto({ token: CORP.callbackToken, encodingAesKey: CORP.callbackAesKey, receiveId: 'wwAnotherCorp', maxAgeSeconds: 600 }); const s = other.seal(addXml()); return { q: q(s), body: envelope(s.encrypt), status: 403, reason: 'wrong_receiver' }; }],
      ['missing query parameters', () => { const s = valid(); return { q: { timestamp: s.timestamp }, body: envelope(s.encrypt), status: 400, reason: 'bad_params' }; }],
      ['malformed envelope XML', () => { const s = valid(); return { q: q(s), body: `<xml><Encrypt><![CDATA[${s.encrypt}]]></Encrypt>`, status: 400, reason: 'malformed_xml' }; }],
      ['envelope without Encrypt', () => { const s = valid(); return { q: q(s), body: '<xml><ToUserName>x</ToUserName></xml>', status: 400, reason: 'malformed_xml' }; }],
      ['not XML at all', () => { const s = valid(); return { q: q(s), body: '{"Encrypt":"x"}', status: 400, reason: 'malformed_xml' }; }],
      ['DOCTYPE with entities (billion laughs)', () => { const s = valid(); return { q: q(s), body: `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>`, status: 400, reason: 'malformed_xml' }; }],
      ['external entity (XXE)', () => { const s = valid(); return { q: q(s), body: `<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Encrypt>&x;</Encrypt></xml>`, status: 400, reason: 'malformed_xml' }; }],
      ['encrypted payload that is malformed XML', () => { const s = sealer.seal('<xml><Event>unterminated'); return { q: q(s), body: envelope(s.encrypt), status: 400, reason: 'malformed_xml' }; }],
      ['encrypted payload with a DOCTYPE', () => { const s = sealer.seal('<!DOCTYPE x [<!ENTITY e "e">]><xml><Event>&e;</Event></xml>'); return { q: q(s), body: envelope(s.encrypt), status: 400, reason: 'malformed_xml' }; }],
      ['add event missing ExternalUserID', () => { const s = sealer.seal(addXml().replace(/<ExternalUserID>.*<\/ExternalUserID>/, '')); return { q: q(s), body: envelope(s.encrypt), status: 400, reason: 'malformed_xml' }; }],
      ['ciphertext that is not AES blocks', () => { const junk = Buffer.from('garbage!').toString('base64'); const s = valid(); const sig = require('../src/wecom/crypto').signature(CORP.callbackToken, s.timestamp, s.nonce, junk); return { q: { ...q(s), msg_signature: sig }, body: envelope(junk), status: 400, reason: 'bad_ciphertext' }; }],
    ])('%s', async (_name, make) => {
      const c = make();
      const r = await post(h, c.q as Record<string, string>, c.body);
      expect(r.status).toBe(c.status);
      expect(r.body).toBe(c.reason);
      expect(await inboxRows(h)).toHaveLength(0);
    });

    it('oversized body → 413', async () => {
      const s = valid();
      const r = await post(h, q(s), envelope(s.encrypt) + ' '.repeat(h.config.callbackMaxBodyBytes));
      expect(r.status).toBe(413);
      expect(await inboxRows(h)).toHaveLength(0);
    });

    it('the service stays healthy after all of it', async () => {
      const r = await fetch(`${h.url}/healthz`);
      expect(r.status).toBe(200);
      const ready = await (await fetch(`${h.url}/readyz`)).json();
      expect(ready).toMatchObject({ status: 'ready', database: 'ok' });
    });
  });
});

function q(s: { msg_signature: string; timestamp: string; nonce: string }) {
  return { msg_signature: s.msg_signature, timestamp: s.timestamp, nonce: s.nonce };
}

describe('the official WeCom vector over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    // The vector's corp, token and key, and a window wide enough for its 2014 timestamp.
    h = await startHarness({
      runtime: { runWorkers: false },
      config: { callbackMaxAgeSeconds: 20 * 365 * 86400 },
    });
    Object.assign(h.config.wecom, { corpId: vector.corpId, callbackToken: vector.token, callbackAesKey: vector.encodingAESKey });
    await h.restart();
  });
  afterAll(async () => h.close());

  it('URL verification returns the expected echo', async () => {
    const v = vector.urlVerification;
    const response = await fetch(`${h.url}/wecom/callback?${new URLSearchParams({ msg_signature: v.msg_signature, timestamp: v.timestamp, nonce: v.nonce, echostr: v.echostr })}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(v.expectedReply);
  });

  it('the event POST is accepted and its text message stored (as an unknown kind)', async () => {
    const v = vector.eventPost;
    const r = await post(h, { msg_signature: v.msg_signature, timestamp: v.timestamp, nonce: v.nonce }, `<xml><ToUserName><![CDATA[${vector.corpId}]]></ToUserName><AgentID><![CDATA[218]]></AgentID><Encrypt><![CDATA[${v.encrypt}]]></Encrypt></xml>`);
    expect(r.status).toBe(200);
    const rows = await eventually(async () => {
      const found = await inboxRows(h);
      return found.length ? found : null;
    });
    expect(rows[0]).toMatchObject({ kind: 'unknown', dedupKey: 'msg:4561255354251345929' });
    expect(rows[0].rawXml).toBe(v.expectedPlaintext);
  });
});

describe('the welcome code deadline', () => {
  const receivedAt = 1_795_000_000_500;
  const seconds = (ms: number) => Math.floor(ms / 1000);

  it('a first delivery gets the full 20 s from its arrival, even if our clock runs a little ahead', () => {
    expect(welcomeDeadline(seconds(receivedAt - 1000), receivedAt)).toBe(receivedAt + 20_000);
    expect(welcomeDeadline(seconds(receivedAt - 3000), receivedAt)).toBe(receivedAt + 20_000);
    // Our clock behind WeCom's: CreateTime in the future changes nothing.
    expect(welcomeDeadline(seconds(receivedAt + 5000), receivedAt)).toBe(receivedAt + 20_000);
    // No CreateTime at all.
    expect(welcomeDeadline(0, receivedAt)).toBe(receivedAt + 20_000);
  });

  it('a retry (the add is 4 s old or more on arrival) keeps only what is left of the 20 s', () => {
    const created = seconds(receivedAt - 12_000);
    expect(welcomeDeadline(created, receivedAt)).toBe(created * 1000 + 999 + 20_000);
    expect(welcomeDeadline(created, receivedAt) - receivedAt).toBeLessThan(9_000);
  });
});

import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
import { FinanceSdkError, SealedMessage } from '../src/archive/sdk/finance-sdk';
import { SimulatorFinanceSdk } from '../src/archive/sdk/simulator-sdk';
import { ArchiveKeyRing } from '../src/archive/keys/key-ring';
import { generateArchiveKeyPem, MEDIA_CHUNK_BYTES, PlayedMessage, WecomSimulator } from '../src/wecom/simulator';

/**
 * The simulator adapter of the Finance SDK against the WeCom simulator over HTTP: messages of
 * every type sealed under several key versions across rotations, opened with the archive's key
 * ring and DecryptData; GetChatData's `after seq` and limit rules; media in 512 KB chunks; the
 * msgaudit HTTP APIs; and the failures the archive will have to handle.
 */

const CORP_ID = 'wwarchivecorp0000001';
const ARCHIVE_SECRET = 'archive-secret-for-tests-0003';

let sim: WecomSimulator;
let sdk: SimulatorFinanceSdk;
// Generated once per file: RSA key generation is the slow part.
let v1Pem: string;
let v2Pem: string;

const rep = 'zhangsan';
const rep2 = 'lisi';
const customer = 'wmCustomer00000000000000000000001';
const customer2 = 'wmCustomer00000000000000000000002';
const room = 'wrRoom000000000000000000000000001';

beforeAll(async () => {
  v1Pem = generateArchiveKeyPem();
  v2Pem = generateArchiveKeyPem();
  sim = await WecomSimulator.start({
    corpId: CORP_ID,
    secrets: [ARCHIVE_SECRET],
    archiveKeys: [{ version: 1, pem: v1Pem }],
    members: [{ userid: rep }, { userid: rep2 }],
    frequencyLimits: [],
  });
  sdk = new SimulatorFinanceSdk({ baseUrl: sim.baseUrl, corpId: CORP_ID, secret: ARCHIVE_SECRET });
});

afterAll(async () => {
  await sdk?.close();
  await sim?.close();
});

/** What the archive will do: pull after `seq` in batches of `limit` until an empty batch. */
async function pullAll(from: number, limit: number): Promise<SealedMessage[]> {
  const out: SealedMessage[] = [];
  let seq = from;
  for (;;) {
    const batch = await sdk.getChatData(seq, limit);
    if (batch.length === 0) return out;
    expect(batch.length).toBeLessThanOrEqual(limit);
    out.push(...batch);
    seq = batch[batch.length - 1].seq;
  }
}

async function open(ring: ArchiveKeyRing, sealed: SealedMessage): Promise<Record<string, unknown>> {
  const randomKey = ring.openRandomKey(sealed.publickey_ver, sealed.encrypt_random_key);
  return JSON.parse(await sdk.decryptData(randomKey, sealed.encrypt_chat_msg)) as Record<string, unknown>;
}

async function downloadMedia(sdkfileid: string): Promise<{ bytes: Buffer; chunks: number }> {
  const parts: Buffer[] = [];
  let index = '';
  for (;;) {
    const chunk = await sdk.getMediaData(sdkfileid, index);
    expect(chunk.data.length).toBeLessThanOrEqual(MEDIA_CHUNK_BYTES);
    parts.push(chunk.data);
    if (chunk.isFinish) return { bytes: Buffer.concat(parts), chunks: parts.length };
    index = chunk.outIndexBuf;
  }
}

async function wecomApi(path: string, body: unknown): Promise<Record<string, any>> {
  const token = (await (await fetch(`${sim.baseUrl}/cgi-bin/gettoken?corpid=${CORP_ID}&corpsecret=${ARCHIVE_SECRET}`)).json()) as { access_token: string };
  const res = await fetch(`${sim.baseUrl}/cgi-bin/${path}?access_token=${token.access_token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, any>;
}

async function sdkError(promise: Promise<unknown>): Promise<FinanceSdkError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FinanceSdkError);
    return error as FinanceSdkError;
  }
  throw new Error('expected a FinanceSdkError');
}

describe('messages across key rotations', () => {
  const played: PlayedMessage[] = [];
  const image = randomBytes(3000);
  const bigFile = randomBytes(MEDIA_CHUNK_BYTES * 2 + 12345); // three chunks, the last one short
  const voice = randomBytes(MEDIA_CHUNK_BYTES); // exactly one full chunk
  let ring: ArchiveKeyRing;

  beforeAll(() => {
    const a = sim.state.archive;
    const oneToOne = { from: customer, tolist: [rep] };
    // Version 1: the 1:1 chat, a group, every media kind.
    played.push(a.customerText(customer, rep, '你好，请问这款产品多少钱？'));
    played.push(a.repText(rep, customer, '您好，报价单稍后发您。'));
    played.push(a.groupText(room, customer2, [rep, customer], '群里问一下，周末可以预约吗？'));
    played.push(a.sendImage(oneToOne, image));
    played.push(a.recall(played[0].msgid));
    played.push(a.switchUser(rep));
    // The corp uploads a new public key (version 2, given as PKCS#8): later messages use it.
    a.keys.rotate(createPrivateKey(v2Pem).export({ type: 'pkcs8', format: 'pem' }).toString());
    played.push(a.sendFile({ from: rep, tolist: [customer] }, bigFile, '产品手册.pdf'));
    played.push(a.sendVoice(oneToOne, voice, 12));
    played.push(a.sendLink({ from: rep, tolist: [customer] }, { title: '新品发布', description: '点击查看', link_url: 'https://example.com/new', image_url: 'https://example.com/a.png' }));
    // Version 3, generated by the simulator.
    a.keys.rotate();
    played.push(a.sendMiniProgram({ from: rep, tolist: [customer], roomid: room }, { title: '预约到店', username: 'gh_0123456789ab@app', displayname: '线索小程序' }));
    played.push(a.customerText(customer, rep, '好的，合同怎么签？'));
    // The archive is configured with every version the corp ever used, in either PEM format.
    ring = ArchiveKeyRing.fromPems(a.keys.privateKeys().map((k) => ({ version: k.version, pem: k.pem, source: `v${k.version}` })));
  });

  it('every message type round-trips, each under the key version current when it was sent', async () => {
    const sealed = await pullAll(0, 1000);
    expect(sealed.map((m) => m.seq)).toEqual(played.map((p) => p.seq));
    expect(sealed.map((m) => m.publickey_ver)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3]);
    for (const [i, m] of sealed.entries()) {
      expect(m.msgid).toBe(played[i].msgid);
      expect(await open(ring, m)).toEqual(played[i].message);
    }
    const opened = await Promise.all(sealed.map((m) => open(ring, m)));
    expect(opened.map((m) => m.msgtype ?? m.action)).toEqual(['text', 'text', 'text', 'image', 'revoke', 'switch', 'file', 'voice', 'link', 'weapp', 'text']);
    // Field shapes the archive will rely on (wecom-reference.md §7).
    expect(opened[0]).toMatchObject({ action: 'send', from: customer, tolist: [rep], roomid: '', text: { content: '你好，请问这款产品多少钱？' } });
    expect(typeof opened[0].msgtime).toBe('number');
    expect(opened[0].msgtime as number).toBeGreaterThan(1e12); // milliseconds
    expect(opened[2]).toMatchObject({ roomid: room, from: customer2, tolist: [rep, customer] });
    expect(opened[4]).toMatchObject({ action: 'recall', from: customer, revoke: { pre_msgid: played[0].msgid } });
    expect(opened[5]).toEqual({ msgid: played[5].msgid, action: 'switch', time: expect.any(Number), user: rep });
    expect(opened[6]).toMatchObject({ file: { filename: '产品手册.pdf', fileext: 'pdf', filesize: bigFile.length } });
    expect(opened[7]).toMatchObject({ voice: { voice_size: voice.length, play_length: 12 } });
    expect(opened[9]).toMatchObject({ roomid: room, weapp: { title: '预约到店', username: 'gh_0123456789ab@app', displayname: '线索小程序' } });
  });

  it('an archive that kept only the newest key cannot read older messages: 10007, not a wrong answer', async () => {
    const onlyNewest = ArchiveKeyRing.fromPems([{ version: 3, pem: sim.state.archive.keys.get(3)!.privateKeyPem, source: 'v3' }]);
    const [first] = await sdk.getChatData(0, 1);
    expect(() => onlyNewest.openRandomKey(first.publickey_ver, first.encrypt_random_key)).toThrow(expect.objectContaining({ code: 10007 }));
  });

  it('GetChatData returns messages after seq: batches of any size neither skip nor repeat', async () => {
    const all = await pullAll(0, 1000);
    for (const limit of [1, 2, 3, 4, 7]) {
      const batched = await pullAll(0, limit);
      expect(batched.map((m) => m.msgid)).toEqual(all.map((m) => m.msgid));
    }
    // Resuming from a stored checkpoint starts right after it.
    const resumed = await sdk.getChatData(all[4].seq, 2);
    expect(resumed.map((m) => m.seq)).toEqual([all[5].seq, all[6].seq]);
    // Caught up: nothing after the last.
    expect(await sdk.getChatData(all[all.length - 1].seq, 1000)).toEqual([]);
    expect(await sdk.getChatData(all[all.length - 1].seq + 50, 10)).toEqual([]);
  });

  it('media comes in chunks of at most 512 KB and reassembles to the md5 of the message', async () => {
    const sealed = await pullAll(0, 1000);
    const byType = new Map<string, Record<string, any>>();
    for (const m of sealed) {
      const msg = await open(ring, m);
      if (typeof msg.msgtype === 'string') byType.set(msg.msgtype, msg);
    }
    const expectations: Array<[string, Buffer, number]> = [['image', image, 1], ['file', bigFile, 3], ['voice', voice, 1]];
    for (const [type, original, chunks] of expectations) {
      const body = byType.get(type)![type] as { sdkfileid: string; md5sum: string };
      const got = await downloadMedia(body.sdkfileid);
      expect(got.chunks).toBe(chunks);
      expect(got.bytes.equals(original)).toBe(true);
      expect(createHash('md5').update(got.bytes).digest('hex')).toBe(body.md5sum);
    }
  });
});

describe('refusals and failures', () => {
  let seqBefore: number;
  beforeAll(() => {
    seqBefore = sim.state.archive.lastSeq;
    sim.state.archive.customerText(customer, rep, '在吗');
  });

  it('limit above 1000, limit 0 and a negative seq are 10000, in the adapter and in the simulator', async () => {
    expect((await sdkError(sdk.getChatData(0, 1001))).code).toBe(10000);
    expect((await sdkError(sdk.getChatData(0, 0))).code).toBe(10000);
    expect((await sdkError(sdk.getChatData(-1, 10))).code).toBe(10000);
    // The simulator refuses too, whoever calls it.
    const raw = await fetch(`${sim.baseUrl}/simulator/finance/chatdata`, {
      method: 'POST',
      body: JSON.stringify({ corpid: CORP_ID, secret: ARCHIVE_SECRET, seq: 0, limit: 1001 }),
    });
    expect(await raw.json()).toMatchObject({ errcode: 10000 });
  });

  it('a wrong secret keeps WeCom errcode 40001, not retryable; the call record hides the secret', async () => {
    const wrong = new SimulatorFinanceSdk({ baseUrl: sim.baseUrl, corpId: CORP_ID, secret: 'not-the-secret' });
    const error = await sdkError(wrong.getChatData(0, 10));
    expect(error.code).toBe(40001);
    expect(error.retryable).toBe(false);
    const record = sim.callsTo('/simulator/finance/chatdata').at(-1)!;
    expect(JSON.stringify(record.body)).not.toContain('not-the-secret');
  });

  it('a dropped connection is 10001 (retryable), a slow answer past the timeout too, and the next pull works', async () => {
    sim.faults.inject({ path: '/simulator/finance/chatdata', dropConnection: true });
    const dropped = await sdkError(sdk.getChatData(seqBefore, 10));
    expect(dropped.code).toBe(10001);
    expect(dropped.retryable).toBe(true);
    sim.faults.inject({ path: '/simulator/finance/chatdata', latencyMs: 1500 });
    expect((await sdkError(sdk.getChatData(seqBefore, 10, { timeoutSeconds: 0.3 }))).code).toBe(10001);
    const retried = await sdk.getChatData(seqBefore, 10);
    expect(retried).toHaveLength(1);
  });

  it('DecryptData with another message\'s random key is 10006', async () => {
    const ring = ArchiveKeyRing.fromPems(sim.state.archive.keys.privateKeys().map((k) => ({ version: k.version, pem: k.pem, source: `v${k.version}` })));
    const [a, b] = await sdk.getChatData(0, 2);
    const keyOfB = ring.openRandomKey(b.publickey_ver, b.encrypt_random_key);
    expect((await sdkError(sdk.decryptData(keyOfB, a.encrypt_chat_msg))).code).toBe(10006);
    expect((await sdkError(sdk.decryptData(keyOfB, 'AAAA'))).code).toBe(10006);
  });

  it('media: an unknown sdkfileid is 10005, an index that is not an outindexbuf 10000, reading past the end 10000', async () => {
    expect((await sdkError(sdk.getMediaData('bm90LWEtZmlsZQ==', ''))).code).toBe(10005);
    const media = sim.state.archive.sendImage({ from: customer, tolist: [rep] }, randomBytes(10));
    expect((await sdkError(sdk.getMediaData(media.sdkfileid, 'garbage'))).code).toBe(10000);
    const only = await sdk.getMediaData(media.sdkfileid, '');
    expect(only.isFinish).toBe(true);
    expect((await sdkError(sdk.getMediaData(media.sdkfileid, only.outIndexBuf))).code).toBe(10000);
  });

  it('a closed SDK refuses further calls', async () => {
    const short = new SimulatorFinanceSdk({ baseUrl: sim.baseUrl, corpId: CORP_ID, secret: ARCHIVE_SECRET });
    await short.close();
    expect((await sdkError(short.getChatData(0, 1))).code).toBe(10000);
  });
});

describe('msgaudit HTTP APIs', () => {
  it('get_permit_user_list: every member by default, the scope the admin set afterwards', async () => {
    expect(await wecomApi('msgaudit/get_permit_user_list', {})).toMatchObject({ errcode: 0, ids: [rep, rep2] });
    sim.state.msgaudit.setPermitUsers([rep]);
    expect(await wecomApi('msgaudit/get_permit_user_list', { type: 1 })).toMatchObject({ errcode: 0, ids: [rep] });
    expect(await wecomApi('msgaudit/get_permit_user_list', { type: 9 })).toMatchObject({ errcode: 40058 });
  });

  it('check_single_agree answers each pair with the state a test set (Agree by default)', async () => {
    sim.state.msgaudit.setAgree(rep, customer2, 'Disagree');
    const reply = await wecomApi('msgaudit/check_single_agree', {
      info: [{ userid: rep, exteranalopenid: customer }, { userid: rep, exteranalopenid: customer2 }],
    });
    expect(reply.errcode).toBe(0);
    expect(reply.agreeinfo).toEqual([
      { userid: rep, exteranalopenid: customer, agree_status: 'Agree', status_change_time: 0 },
      { userid: rep, exteranalopenid: customer2, agree_status: 'Disagree', status_change_time: expect.any(Number) },
    ]);
    expect(await wecomApi('msgaudit/check_single_agree', { info: [] })).toMatchObject({ errcode: 40058 });
    expect(await wecomApi('msgaudit/check_single_agree', { info: [{ userid: rep }] })).toMatchObject({ errcode: 40058 });
  });

  it('groupchat/get describes an internal group; an unknown roomid is refused', async () => {
    const internal = sim.state.msgaudit.addRoom({ roomname: '销售内部群', creator: rep, members: [rep2], notice: '周报' });
    const reply = await wecomApi('msgaudit/groupchat/get', { roomid: internal.roomid });
    expect(reply).toMatchObject({ errcode: 0, roomname: '销售内部群', creator: rep, notice: '周报' });
    expect(reply.members.map((m: { memberid: string }) => m.memberid)).toEqual([rep, rep2]);
    expect(await wecomApi('msgaudit/groupchat/get', { roomid: 'wrNoSuchRoom' })).toMatchObject({ errcode: 40050 });
  });
});

/**
 * The native Finance SDK adapter's argument and slice handling, up to the native call
 * (issue 13): a recording fake stands in for the C functions and behaves like native memory
 * (views that freeing poisons, use-after-free throws).
 */
import { FinanceSdkError } from '../src/archive/sdk/finance-sdk';
import { createSdk, decryptData, getChatData, getMediaData, parseChatData } from '../src/archive/sdk/native-calls';
import { BINARY_SAMPLE, createRecordingFake } from './support/fake-finance-functions';

const sealed = (seq: number) => ({
  seq,
  msgid: `m${seq}`,
  publickey_ver: 3,
  encrypt_random_key: 'a2V5',
  encrypt_chat_msg: 'bXNn',
});
const okJson = (items: unknown[]) => JSON.stringify({ errcode: 0, errmsg: 'ok', chatdata: items });

async function expectSdkError(run: () => unknown, code: number, text?: RegExp): Promise<FinanceSdkError> {
  let caught: unknown;
  try {
    await run();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(FinanceSdkError);
  const err = caught as FinanceSdkError;
  expect(err.code).toBe(code);
  if (text) expect(err.message).toMatch(text);
  return err;
}

function withSdk(fake: ReturnType<typeof createRecordingFake>) {
  const sdk = createSdk(fake.fns, 'ww-corp', 'archive-secret');
  fake.calls.length = 0;
  return sdk;
}

describe('createSdk', () => {
  it('creates the instance and passes the corp id and the archive secret to Init', () => {
    const fake = createRecordingFake();
    createSdk(fake.fns, 'ww-corp', 'archive-secret');
    expect(fake.calls).toEqual([
      { fn: 'NewSdk', args: [] },
      { fn: 'Init', args: [1, 'ww-corp', 'archive-secret'] },
    ]);
  });

  it('maps a failing Init to its meaning and destroys the half-made instance', async () => {
    const fake = createRecordingFake({ init: () => 10004 });
    const err = await expectSdkError(() => createSdk(fake.fns, 'ww-corp', 'wrong'), 10004, /Init: .*wrong key/);
    expect(err.retryable).toBe(false);
    expect(fake.names()).toEqual(['NewSdk', 'Init', 'DestroySdk']);
  });

  it('refuses an empty secret before touching the library', async () => {
    const fake = createRecordingFake();
    await expectSdkError(() => createSdk(fake.fns, 'ww-corp', ''), 10000);
    expect(fake.calls).toEqual([]);
  });
});

describe('getChatData', () => {
  it('passes seq, limit, empty proxy strings and the default timeout, reads the slice by length and frees it', () => {
    const fake = createRecordingFake({ getChatData: () => ({ code: 0, content: okJson([sealed(197), sealed(198)]) }) });
    const sdk = withSdk(fake);
    const messages = getChatData(fake.fns, sdk, 196, 1000);
    expect(messages).toEqual([sealed(197), sealed(198)]);
    expect(fake.calls[1]).toEqual({ fn: 'GetChatData', args: [1, 196, 1000, '', '', 10, 2] });
    expect(fake.names()).toEqual(['NewSlice', 'GetChatData', 'GetSliceLen', 'GetContentFromSlice', 'FreeSlice']);
    expect(fake.live()).toBe(0);
  });

  it('passes the proxy, its password and the timeout in seconds as given', () => {
    const fake = createRecordingFake();
    const sdk = withSdk(fake);
    expect(getChatData(fake.fns, sdk, 0, 10, { proxy: 'socks5://10.0.0.1:1080', proxyPassword: 'u:p', timeoutSeconds: 7 })).toEqual([]);
    expect(fake.calls.find((c) => c.fn === 'GetChatData')?.args.slice(1, 6)).toEqual([0, 10, 'socks5://10.0.0.1:1080', 'u:p', 7]);
  });

  it.each([
    [0, 1001, /limit must be 1..1000/],
    [0, 0, /limit/],
    [0, 2.5, /limit/],
    [-1, 100, /seq must be a non-negative integer/],
    [Number.MAX_SAFE_INTEGER + 2, 100, /seq/],
  ])('refuses seq %p with limit %p before the native call', async (seq, limit, text) => {
    const fake = createRecordingFake();
    const sdk = withSdk(fake);
    await expectSdkError(() => getChatData(fake.fns, sdk, seq, limit), 10000, text);
    expect(fake.calls).toEqual([]);
  });

  it('refuses a timeout that is not whole seconds before the native call', async () => {
    const fake = createRecordingFake();
    const sdk = withSdk(fake);
    await expectSdkError(() => getChatData(fake.fns, sdk, 0, 10, { timeoutSeconds: 0.5 }), 10000, /timeoutSeconds/);
    expect(fake.calls).toEqual([]);
  });

  it('maps a non-zero return code to its meaning, reads nothing and still frees the slice', async () => {
    const fake = createRecordingFake({ getChatData: () => ({ code: 10001 }) });
    const sdk = withSdk(fake);
    const err = await expectSdkError(() => getChatData(fake.fns, sdk, 5, 100), 10001, /GetChatData: network error/);
    expect(err.retryable).toBe(true);
    expect(fake.names()).toEqual(['NewSlice', 'GetChatData', 'FreeSlice']);
    expect(fake.live()).toBe(0);
  });

  it('treats an errcode inside the JSON as an error, with its meaning and WeCom\'s errmsg', async () => {
    const fake = createRecordingFake({
      getChatData: () => ({ code: 0, content: JSON.stringify({ errcode: 301053, errmsg: 'msgaudit not open' }) }),
    });
    const sdk = withSdk(fake);
    const err = await expectSdkError(() => getChatData(fake.fns, sdk, 0, 100), 301053, /not enabled.*msgaudit not open/);
    expect(err.retryable).toBe(false);
    expect(fake.live()).toBe(0);
  });

  it('frees the slice when the native call itself throws', () => {
    const fake = createRecordingFake({
      getChatData: () => {
        throw new TypeError('bad argument');
      },
    });
    const sdk = withSdk(fake);
    expect(() => getChatData(fake.fns, sdk, 0, 1)).toThrow('bad argument');
    expect(fake.names()).toEqual(['NewSlice', 'GetChatData', 'FreeSlice']);
  });

  it('reports a reply that is not JSON, or items without their fields, as a parse error (10002)', async () => {
    const notJson = createRecordingFake({ getChatData: () => ({ code: 0, content: '{"errcode":0,"chatdata":[' }) });
    await expectSdkError(() => getChatData(notJson.fns, withSdk(notJson), 0, 1), 10002, /not JSON/);
    expect(notJson.live()).toBe(0);
    await expectSdkError(() => parseChatData(okJson([{ seq: 1, msgid: 'x' }])), 10002, /lacks/);
    await expectSdkError(() => parseChatData('{"errcode":0,"chatdata":{}}'), 10002, /not an array/);
    await expectSdkError(() => parseChatData('null'), 10002);
  });

  it('reads a reply longer than 64 KB whole, by the slice length', () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ ...sealed(i + 1), encrypt_chat_msg: 'x'.repeat(100) }));
    const fake = createRecordingFake({ getChatData: () => ({ code: 0, content: okJson(many) }) });
    const messages = getChatData(fake.fns, withSdk(fake), 0, 1000);
    expect(messages).toHaveLength(1000);
    expect(messages[999].seq).toBe(1000);
  });
});

describe('decryptData', () => {
  it('passes the random key and the message and returns the UTF-8 JSON copied out before the free', () => {
    const text = JSON.stringify({ msgid: 'm1', msgtype: 'text', text: { content: '请问报价多少钱？😀' } });
    const fake = createRecordingFake({ decryptData: () => ({ code: 0, content: text }) });
    expect(decryptData(fake.fns, 'random-key', 'sealed-msg')).toBe(text);
    expect(fake.calls[1]).toEqual({ fn: 'DecryptData', args: ['random-key', 'sealed-msg', 1] });
    expect(fake.names().at(-1)).toBe('FreeSlice');
    expect(fake.live()).toBe(0);
  });

  it('maps 10006 and 10008 and frees the slice', async () => {
    for (const code of [10006, 10008]) {
      const fake = createRecordingFake({ decryptData: () => ({ code }) });
      await expectSdkError(() => decryptData(fake.fns, 'k', 'm'), code, code === 10006 ? /decryption failed/ : /encrypt_key/);
      expect(fake.names()).toEqual(['NewSlice', 'DecryptData', 'FreeSlice']);
    }
  });

  it('refuses an empty key before the native call', async () => {
    const fake = createRecordingFake();
    await expectSdkError(() => decryptData(fake.fns, '', 'm'), 10000);
    expect(fake.calls).toEqual([]);
  });
});

describe('getMediaData', () => {
  it('passes indexbuf before sdkfileid as the C API does, and returns the bytes intact after the free', () => {
    const fake = createRecordingFake({
      getMediaData: () => ({ code: 0, data: BINARY_SAMPLE, outIndexBuf: 'Range:bytes=600-', finish: false }),
    });
    const sdk = withSdk(fake);
    const chunk = getMediaData(fake.fns, sdk, 'file-id-1', '', { timeoutSeconds: 20 });
    expect(fake.calls[1]).toEqual({ fn: 'GetMediaData', args: [1, '', 'file-id-1', '', '', 20, 2] });
    expect(fake.names()).toContain('FreeMediaData');
    expect(fake.live()).toBe(0);
    // The fake poisoned the native buffer on free: equal bytes here mean they were copied first.
    expect(Buffer.isBuffer(chunk.data)).toBe(true);
    expect(chunk.data.equals(Buffer.from(BINARY_SAMPLE))).toBe(true);
    expect(chunk.outIndexBuf).toBe('Range:bytes=600-');
    expect(chunk.isFinish).toBe(false);
  });

  it('reads the last chunk as finished, with an empty index', () => {
    const fake = createRecordingFake({ getMediaData: () => ({ code: 0, data: new Uint8Array([0, 1, 0]), finish: true }) });
    const chunk = getMediaData(fake.fns, withSdk(fake), 'f', 'Range:bytes=600-');
    expect([...chunk.data]).toEqual([0, 1, 0]);
    expect(chunk).toMatchObject({ outIndexBuf: '', isFinish: true });
  });

  it('maps 10005 and 10001 (retryable) and frees the media data', async () => {
    const fake = createRecordingFake({ getMediaData: (indexBuf) => ({ code: indexBuf ? 10001 : 10005 }) });
    const sdk = withSdk(fake);
    const gone = await expectSdkError(() => getMediaData(fake.fns, sdk, 'f', ''), 10005, /invalid sdkfileid/);
    expect(gone.retryable).toBe(false);
    const network = await expectSdkError(() => getMediaData(fake.fns, sdk, 'f', 'x'), 10001);
    expect(network.retryable).toBe(true);
    expect(fake.names().filter((n) => n === 'FreeMediaData')).toHaveLength(2);
    expect(fake.names()).not.toContain('GetData');
    expect(fake.live()).toBe(0);
  });

  it('refuses an empty sdkfileid before the native call', async () => {
    const fake = createRecordingFake();
    await expectSdkError(() => getMediaData(fake.fns, withSdk(fake), '', ''), 10000);
    expect(fake.calls).toEqual([]);
  });
});

/**
 * A recording stand-in for the Finance SDK's bound C functions (FinanceSdkFunctions), for testing
 * everything up to the native call without libWeWorkFinanceSdk_C.so. It behaves like native
 * memory where it matters: readBytes returns a view (not a copy) of a handle's buffer, freeing a
 * handle poisons that buffer, and touching a freed handle throws — so a caller that reads after
 * freeing, or forgets to free, is caught.
 *
 * `createFinanceSdkFunctions` is the module export native-worker.ts loads through its test-only
 * `bindingModule` seam; its behaviour is chosen by the arguments, since a test cannot reach into
 * the child process:
 *   GetChatData seq 13 → the process dies of SIGSEGV (a crash in the library);
 *   GetChatData seq 14 → the call blocks for a minute (a hung network call);
 *   Init with secret 'wrong-secret' → 10004.
 */
import type { FinanceSdkFunctions, MediaHandle, SdkHandle, SliceHandle } from '../../src/archive/sdk/native-calls';

export interface CallRecord {
  fn: string;
  args: unknown[];
}

export interface Reply {
  code: number;
  content?: string | Uint8Array;
}

export interface MediaReply {
  code: number;
  data?: Uint8Array;
  outIndexBuf?: string;
  finish?: boolean;
}

export interface FakeBehaviour {
  init?(corpId: string, secret: string): number;
  getChatData?(seq: number, limit: number, proxy: string, passwd: string, timeout: number): Reply;
  decryptData?(key: string, msg: string): Reply;
  getMediaData?(indexBuf: string, sdkFileId: string, proxy: string, passwd: string, timeout: number): MediaReply;
}

interface Handle {
  kind: 'sdk' | 'slice' | 'media';
  id: number;
  freed: boolean;
  content: Uint8Array;
  index: Uint8Array;
  finish: number;
}

const POISON = 0xee;

export interface RecordingFake {
  fns: FinanceSdkFunctions;
  calls: CallRecord[];
  /** Slices and media buffers allocated and not yet freed. */
  live(): number;
  /** The function names in call order. */
  names(): string[];
}

const bytes = (value: string | Uint8Array | undefined): Uint8Array =>
  value === undefined ? new Uint8Array(0) : typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'utf8')) : new Uint8Array(value);

export function createRecordingFake(behaviour: FakeBehaviour = {}): RecordingFake {
  const calls: CallRecord[] = [];
  const handles = new Set<Handle>();
  let nextId = 1;
  const record = (fn: string, args: unknown[]) => calls.push({ fn, args });
  const alloc = (kind: Handle['kind']): Handle => {
    const h: Handle = { kind, id: nextId++, freed: false, content: new Uint8Array(0), index: new Uint8Array(0), finish: 0 };
    handles.add(h);
    return h;
  };
  const use = (handle: object, kind: Handle['kind']): Handle => {
    const h = handle as Handle;
    if (!handles.has(h) || h.kind !== kind) throw new Error(`fake: not a ${kind} handle`);
    if (h.freed) throw new Error(`fake: ${kind} ${h.id} used after it was freed`);
    return h;
  };
  const free = (h: Handle) => {
    h.content.fill(POISON);
    h.index.fill(POISON);
    h.freed = true;
  };

  const fns: FinanceSdkFunctions = {
    NewSdk() {
      record('NewSdk', []);
      return alloc('sdk');
    },
    Init(sdk: SdkHandle, corpId: string, secret: string) {
      record('Init', [use(sdk, 'sdk').id, corpId, secret]);
      return behaviour.init ? behaviour.init(corpId, secret) : 0;
    },
    DestroySdk(sdk: SdkHandle) {
      const h = use(sdk, 'sdk');
      record('DestroySdk', [h.id]);
      free(h);
    },
    GetChatData(sdk: SdkHandle, seq: number, limit: number, proxy: string, passwd: string, timeout: number, slice: SliceHandle) {
      record('GetChatData', [use(sdk, 'sdk').id, seq, limit, proxy, passwd, timeout, use(slice, 'slice').id]);
      const reply = behaviour.getChatData?.(seq, limit, proxy, passwd, timeout) ?? { code: 0, content: '{"errcode":0,"errmsg":"ok","chatdata":[]}' };
      if (reply.content !== undefined) use(slice, 'slice').content = bytes(reply.content);
      return reply.code;
    },
    DecryptData(key: string, msg: string, slice: SliceHandle) {
      record('DecryptData', [key, msg, use(slice, 'slice').id]);
      const reply = behaviour.decryptData?.(key, msg) ?? { code: 0, content: '{}' };
      if (reply.content !== undefined) use(slice, 'slice').content = bytes(reply.content);
      return reply.code;
    },
    GetMediaData(sdk: SdkHandle, indexBuf: string, sdkFileId: string, proxy: string, passwd: string, timeout: number, media: MediaHandle) {
      const m = use(media, 'media');
      record('GetMediaData', [use(sdk, 'sdk').id, indexBuf, sdkFileId, proxy, passwd, timeout, m.id]);
      const reply = behaviour.getMediaData?.(indexBuf, sdkFileId, proxy, passwd, timeout) ?? { code: 0, finish: true };
      m.content = bytes(reply.data);
      m.index = bytes(reply.outIndexBuf);
      m.finish = reply.finish ? 1 : 0;
      return reply.code;
    },
    NewSlice() {
      const h = alloc('slice');
      record('NewSlice', [h.id]);
      return h;
    },
    FreeSlice(slice: SliceHandle) {
      const h = use(slice, 'slice');
      record('FreeSlice', [h.id]);
      free(h);
    },
    GetContentFromSlice(slice: SliceHandle) {
      record('GetContentFromSlice', []);
      return use(slice, 'slice').content;
    },
    GetSliceLen(slice: SliceHandle) {
      record('GetSliceLen', []);
      return use(slice, 'slice').content.length;
    },
    NewMediaData() {
      const h = alloc('media');
      record('NewMediaData', [h.id]);
      return h;
    },
    FreeMediaData(media: MediaHandle) {
      const h = use(media, 'media');
      record('FreeMediaData', [h.id]);
      free(h);
    },
    GetOutIndexBuf(media: MediaHandle) {
      record('GetOutIndexBuf', []);
      return use(media, 'media').index;
    },
    GetData(media: MediaHandle) {
      record('GetData', []);
      return use(media, 'media').content;
    },
    GetIndexLen(media: MediaHandle) {
      record('GetIndexLen', []);
      return use(media, 'media').index.length;
    },
    GetDataLen(media: MediaHandle) {
      record('GetDataLen', []);
      return use(media, 'media').content.length;
    },
    IsMediaDataFinish(media: MediaHandle) {
      record('IsMediaDataFinish', []);
      return use(media, 'media').finish;
    },
    readBytes(pointer: unknown, length: number) {
      // A view, like koffi.view over native memory: valid only until the owner is freed.
      return (pointer as Uint8Array).subarray(0, length);
    },
  };

  return {
    fns,
    calls,
    live: () => [...handles].filter((h) => h.kind !== 'sdk' && !h.freed).length,
    names: () => calls.map((c) => c.fn),
  };
}

/** Every byte value, NULs included, so a string-based read would visibly corrupt it. */
export const BINARY_SAMPLE: Uint8Array = Uint8Array.from({ length: 600 }, (_, i) => (i * 7) % 256);

/** The seam native-worker.ts loads in the child process (see the header). */
export function createFinanceSdkFunctions(): FinanceSdkFunctions {
  return createRecordingFake({
    init: (_corpId, secret) => (secret === 'wrong-secret' ? 10004 : 0),
    getChatData(seq, limit) {
      if (seq === 13) process.kill(process.pid, 'SIGSEGV');
      if (seq === 14) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
      const chatdata = Array.from({ length: Math.min(limit, 3) }, (_, i) => ({
        seq: seq + i + 1,
        msgid: `msg-${seq + i + 1}`,
        publickey_ver: 2,
        encrypt_random_key: 'cmFuZG9t',
        encrypt_chat_msg: 'c2VhbGVk',
      }));
      return { code: 0, content: JSON.stringify({ errcode: 0, errmsg: 'ok', chatdata }) };
    },
    decryptData: (key, msg) =>
      key === 'bad-key' ? { code: 10008 } : { code: 0, content: JSON.stringify({ msgtype: 'text', text: { content: `解密：${key}/${msg}` } }) },
    getMediaData(indexBuf) {
      // Two chunks of BINARY_SAMPLE, split at byte 400.
      if (indexBuf === '') return { code: 0, data: BINARY_SAMPLE.subarray(0, 400), outIndexBuf: 'next:400', finish: false };
      return { code: 0, data: BINARY_SAMPLE.subarray(400), outIndexBuf: '', finish: true };
    },
  }).fns;
}

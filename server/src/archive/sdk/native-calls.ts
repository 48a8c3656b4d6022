/**
 * What each Finance SDK call needs around the native function itself (wecom-reference.md §7):
 * argument checks and defaults, the slice or media buffer's lifetime, the return code, and
 * reading the result out of native memory. Pure functions over the bound functions, so all of
 * it is unit-tested with a recording fake up to the native call; the koffi binding
 * (native-library.ts) and the real library only supply `FinanceSdkFunctions`.
 */
import { FinanceSdkError, MediaChunk, PullOptions, SealedMessage } from './finance-sdk';

/** Opaque handles the library hands out (koffi pointer objects); only ever passed back to it. */
export type SdkHandle = object;
export type SliceHandle = object;
export type MediaHandle = object;
/** A char* the library returned; read only through `readBytes`. */
export type NativePointer = unknown;

/**
 * The C API as bound functions, one to one with WeWorkFinanceSdk_C.h. `readBytes` is the one
 * addition: slice and media contents are read by length (media is binary; a NUL-terminated
 * read would cut it), through a view of native memory that the free functions invalidate —
 * so everything here copies what it reads before freeing.
 */
export interface FinanceSdkFunctions {
  NewSdk(): SdkHandle | null;
  Init(sdk: SdkHandle, corpId: string, secret: string): number;
  DestroySdk(sdk: SdkHandle): void;
  GetChatData(
    sdk: SdkHandle,
    seq: number,
    limit: number,
    proxy: string,
    passwd: string,
    timeout: number,
    slice: SliceHandle,
  ): number;
  DecryptData(encryptKey: string, encryptMsg: string, slice: SliceHandle): number;
  GetMediaData(
    sdk: SdkHandle,
    indexBuf: string,
    sdkFileId: string,
    proxy: string,
    passwd: string,
    timeout: number,
    media: MediaHandle,
  ): number;
  NewSlice(): SliceHandle | null;
  FreeSlice(slice: SliceHandle): void;
  GetContentFromSlice(slice: SliceHandle): NativePointer;
  GetSliceLen(slice: SliceHandle): number;
  NewMediaData(): MediaHandle | null;
  FreeMediaData(media: MediaHandle): void;
  GetOutIndexBuf(media: MediaHandle): NativePointer;
  GetData(media: MediaHandle): NativePointer;
  GetIndexLen(media: MediaHandle): number;
  GetDataLen(media: MediaHandle): number;
  IsMediaDataFinish(media: MediaHandle): number;
  /** A view of `length` bytes at `pointer`, valid until the owning slice or media is freed
   *  (empty for a null pointer or length 0). */
  readBytes(pointer: NativePointer, length: number): Uint8Array;
}

/** The SDK's return codes (wecom-reference.md §7). */
export const SDK_ERROR_MEANINGS: Readonly<Record<number, string>> = {
  10000: 'invalid parameters',
  10001: 'network error',
  10002: 'data parse failed',
  10003: 'system failure',
  10004: 'encryption failed because of a wrong key (check the archive secret)',
  10005: 'invalid sdkfileid',
  10006: 'decryption failed',
  10007: 'no private key for this message\'s key version',
  10008: 'encrypt_key could not be parsed (is it the RSA-decrypted random key?)',
  10009: 'this server\'s IP is not in the archive\'s trusted IPs',
  10010: 'data expired',
  10011: 'certificate error',
};

/** Errcodes GetChatData's JSON may carry (wecom-reference.md §7). */
const CHAT_DATA_ERRCODE_MEANINGS: Readonly<Record<number, string>> = {
  301052: 'the chat archive service has expired',
  301053: 'the chat archive is not enabled for this corp',
  301058: 'pull too large, lower the limit',
  301048: 'sdkfileid no longer exists',
};

export const MAX_PULL_LIMIT = 1000;
export const DEFAULT_TIMEOUT_SECONDS = 10;

export interface ResolvedPullOptions {
  proxy: string;
  passwd: string;
  timeout: number;
}

/** The C API takes empty strings for "no proxy" and whole seconds for the timeout. */
export function resolvePullOptions(options: PullOptions = {}): ResolvedPullOptions {
  const timeout = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isInteger(timeout) || timeout <= 0 || timeout > 3600) {
    throw new FinanceSdkError(10000, `timeoutSeconds must be a whole number of seconds in 1..3600, got ${timeout}`);
  }
  return { proxy: options.proxy ?? '', passwd: options.proxyPassword ?? '', timeout };
}

function check(code: number, call: string): void {
  if (code === 0) return;
  throw new FinanceSdkError(code, `${call}: ${SDK_ERROR_MEANINGS[code] ?? 'unknown error'}`);
}

/** A slice's content as UTF-8, freed whatever happens (the C API allocates it per call). */
function withSlice(fns: FinanceSdkFunctions, call: string, run: (slice: SliceHandle) => number): string {
  const slice = fns.NewSlice();
  if (!slice) throw new FinanceSdkError(10003, `${call}: NewSlice returned null`);
  try {
    check(run(slice), call);
    const length = fns.GetSliceLen(slice);
    const view = fns.readBytes(fns.GetContentFromSlice(slice), length);
    return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('utf8');
  } finally {
    fns.FreeSlice(slice);
  }
}

/** NewSdk + Init with the corp id and the archive secret; the instance is destroyed if Init fails. */
export function createSdk(fns: FinanceSdkFunctions, corpId: string, secret: string): SdkHandle {
  if (!corpId || !secret) throw new FinanceSdkError(10000, 'Init: the corp id and the archive secret are required');
  const sdk = fns.NewSdk();
  if (!sdk) throw new FinanceSdkError(10003, 'NewSdk returned null');
  try {
    check(fns.Init(sdk, corpId, secret), 'Init');
  } catch (err) {
    fns.DestroySdk(sdk);
    throw err;
  }
  return sdk;
}

export function destroySdk(fns: FinanceSdkFunctions, sdk: SdkHandle): void {
  fns.DestroySdk(sdk);
}

function toSealedMessage(item: unknown): SealedMessage {
  const m = item as Record<string, unknown> | null;
  if (
    !m ||
    typeof m !== 'object' ||
    typeof m.seq !== 'number' ||
    typeof m.msgid !== 'string' ||
    typeof m.publickey_ver !== 'number' ||
    typeof m.encrypt_random_key !== 'string' ||
    typeof m.encrypt_chat_msg !== 'string'
  ) {
    throw new FinanceSdkError(10002, 'GetChatData: a chatdata item lacks seq, msgid, publickey_ver or its encrypted fields');
  }
  return {
    seq: m.seq,
    msgid: m.msgid,
    publickey_ver: m.publickey_ver,
    encrypt_random_key: m.encrypt_random_key,
    encrypt_chat_msg: m.encrypt_chat_msg,
  };
}

/** Parses GetChatData's JSON; an errcode in it is an error even though the call returned 0. */
export function parseChatData(json: string): SealedMessage[] {
  let body: { errcode?: unknown; errmsg?: unknown; chatdata?: unknown };
  try {
    body = JSON.parse(json);
  } catch {
    throw new FinanceSdkError(10002, 'GetChatData: the reply is not JSON');
  }
  if (!body || typeof body !== 'object') throw new FinanceSdkError(10002, 'GetChatData: the reply is not a JSON object');
  const errcode = typeof body.errcode === 'number' ? body.errcode : 0;
  if (errcode !== 0) {
    const said = typeof body.errmsg === 'string' ? body.errmsg : '';
    const meaning = CHAT_DATA_ERRCODE_MEANINGS[errcode] ?? SDK_ERROR_MEANINGS[errcode];
    throw new FinanceSdkError(errcode, `GetChatData: ${[meaning, said].filter(Boolean).join(' — ') || 'unknown error'}`);
  }
  if (body.chatdata === undefined) return [];
  if (!Array.isArray(body.chatdata)) throw new FinanceSdkError(10002, 'GetChatData: chatdata is not an array');
  return body.chatdata.map(toSealedMessage);
}

export function getChatData(
  fns: FinanceSdkFunctions,
  sdk: SdkHandle,
  seq: number,
  limit: number,
  options?: PullOptions,
): SealedMessage[] {
  // Checked here because the C API takes unsigned integers: a negative number would wrap.
  if (!Number.isSafeInteger(seq) || seq < 0) throw new FinanceSdkError(10000, `GetChatData: seq must be a non-negative integer, got ${seq}`);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PULL_LIMIT) {
    throw new FinanceSdkError(10000, `GetChatData: limit must be 1..${MAX_PULL_LIMIT}, got ${limit}`);
  }
  const { proxy, passwd, timeout } = resolvePullOptions(options);
  const json = withSlice(fns, 'GetChatData', (slice) => fns.GetChatData(sdk, seq, limit, proxy, passwd, timeout, slice));
  return parseChatData(json);
}

export function decryptData(fns: FinanceSdkFunctions, randomKey: string, encryptChatMsg: string): string {
  if (!randomKey || !encryptChatMsg) throw new FinanceSdkError(10000, 'DecryptData: the random key and the message are required');
  return withSlice(fns, 'DecryptData', (slice) => fns.DecryptData(randomKey, encryptChatMsg, slice));
}

export function getMediaData(
  fns: FinanceSdkFunctions,
  sdk: SdkHandle,
  sdkFileId: string,
  indexBuf: string,
  options?: PullOptions,
): MediaChunk {
  if (!sdkFileId) throw new FinanceSdkError(10000, 'GetMediaData: sdkfileid is required');
  const { proxy, passwd, timeout } = resolvePullOptions(options);
  const media = fns.NewMediaData();
  if (!media) throw new FinanceSdkError(10003, 'GetMediaData: NewMediaData returned null');
  try {
    check(fns.GetMediaData(sdk, indexBuf, sdkFileId, proxy, passwd, timeout, media), 'GetMediaData');
    // Copied out before FreeMediaData releases the native buffers.
    const data = Buffer.from(fns.readBytes(fns.GetData(media), fns.GetDataLen(media)));
    const index = fns.readBytes(fns.GetOutIndexBuf(media), fns.GetIndexLen(media));
    const outIndexBuf = Buffer.from(index.buffer, index.byteOffset, index.byteLength).toString('utf8');
    return { data, outIndexBuf, isFinish: fns.IsMediaDataFinish(media) !== 0 };
  } finally {
    fns.FreeMediaData(media);
  }
}

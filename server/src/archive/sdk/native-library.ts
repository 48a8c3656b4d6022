/**
 * The koffi binding of WeCom's Finance SDK (libWeWorkFinanceSdk_C.so), loaded from the path the
 * operator configured. All C declarations live here, mirroring WeWorkFinanceSdk_C.h. Loaded only
 * inside the SDK's child process (native-worker.ts): a crash in the library must not take the
 * server with it.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as koffi from 'koffi';
import { FinanceSdkFunctions, NativePointer } from './native-calls';

export const FINANCE_SDK_PATH_ENV = 'FINANCE_SDK_PATH';

const HOW_TO_GET_IT =
  "download the Finance SDK (会话内容存档 SDK, Linux x64) from WeCom's developer site " +
  '(developer.work.weixin.qq.com → 会话内容存档 → 下载SDK), put libWeWorkFinanceSdk_C.so on this machine ' +
  `and set ${FINANCE_SDK_PATH_ENV} to its absolute path`;

/** The library could not be found or loaded; the message names the path and what to do. */
export class FinanceSdkLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FinanceSdkLoadError';
  }
}

/** Checks the configured path before koffi sees it, so each failure gets its own clear message. */
export function resolveLibraryPath(configured: string | undefined): string {
  if (!configured || !configured.trim()) {
    throw new FinanceSdkLoadError(`the chat archive needs the native Finance SDK, and ${FINANCE_SDK_PATH_ENV} is not set: ${HOW_TO_GET_IT}`);
  }
  const file = path.resolve(configured.trim());
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new FinanceSdkLoadError(`the Finance SDK library ${file} (${FINANCE_SDK_PATH_ENV}) does not exist: ${HOW_TO_GET_IT}`);
  }
  if (!stat.isFile()) {
    throw new FinanceSdkLoadError(`the Finance SDK library ${file} (${FINANCE_SDK_PATH_ENV}) is not a file: ${HOW_TO_GET_IT}`);
  }
  return file;
}

/** Loads the library and declares its functions; throws FinanceSdkLoadError naming the path. */
export function loadFinanceLibrary(configured: string | undefined): FinanceSdkFunctions {
  const file = resolveLibraryPath(configured);
  let lib: koffi.LibraryHandle;
  try {
    lib = koffi.load(file);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new FinanceSdkLoadError(
      `the Finance SDK library ${file} (${FINANCE_SDK_PATH_ENV}) could not be loaded (${why}); ` +
        `it must be WeCom's Linux x64 libWeWorkFinanceSdk_C.so, readable by this user: ${HOW_TO_GET_IT}`,
    );
  }
  try {
    return declare(lib);
  } catch (err) {
    lib.unload();
    const why = err instanceof Error ? err.message : String(err);
    throw new FinanceSdkLoadError(
      `${file} (${FINANCE_SDK_PATH_ENV}) loaded but lacks the Finance SDK's functions (${why}); is it libWeWorkFinanceSdk_C.so? ${HOW_TO_GET_IT}`,
    );
  }
}

// The types are registered by name once per process (koffi keeps a global registry).
let typesDeclared = false;
function declareTypes(): void {
  if (typesDeclared) return;
  koffi.opaque('WeWorkFinanceSdk_t');
  // Slice_t and MediaData_t are structs in the header, but they are only ever touched through the
  // library's accessors, so they are opaque here and their layout cannot drift from ours.
  koffi.opaque('Slice_t');
  koffi.opaque('MediaData_t');
  typesDeclared = true;
}

function declare(lib: koffi.LibraryHandle): FinanceSdkFunctions {
  declareTypes();
  // char* results are declared void* so koffi does not decode them as NUL-terminated strings:
  // they are read by length through readBytes (media data is binary).
  const f = {
    NewSdk: lib.func('WeWorkFinanceSdk_t *NewSdk()'),
    Init: lib.func('int Init(WeWorkFinanceSdk_t *sdk, const char *corpid, const char *secret)'),
    DestroySdk: lib.func('void DestroySdk(WeWorkFinanceSdk_t *sdk)'),
    GetChatData: lib.func(
      'int GetChatData(WeWorkFinanceSdk_t *sdk, unsigned long long seq, unsigned int limit, const char *proxy, const char *passwd, int timeout, Slice_t *chatDatas)',
    ),
    DecryptData: lib.func('int DecryptData(const char *encrypt_key, const char *encrypt_msg, Slice_t *msg)'),
    GetMediaData: lib.func(
      'int GetMediaData(WeWorkFinanceSdk_t *sdk, const char *indexbuf, const char *sdkFileid, const char *proxy, const char *passwd, int timeout, MediaData_t *media_data)',
    ),
    NewSlice: lib.func('Slice_t *NewSlice()'),
    FreeSlice: lib.func('void FreeSlice(Slice_t *slice)'),
    GetContentFromSlice: lib.func('void *GetContentFromSlice(Slice_t *slice)'),
    GetSliceLen: lib.func('int GetSliceLen(Slice_t *slice)'),
    NewMediaData: lib.func('MediaData_t *NewMediaData()'),
    FreeMediaData: lib.func('void FreeMediaData(MediaData_t *media_data)'),
    GetOutIndexBuf: lib.func('void *GetOutIndexBuf(MediaData_t *media_data)'),
    GetData: lib.func('void *GetData(MediaData_t *media_data)'),
    GetIndexLen: lib.func('int GetIndexLen(MediaData_t *media_data)'),
    GetDataLen: lib.func('int GetDataLen(MediaData_t *media_data)'),
    IsMediaDataFinish: lib.func('int IsMediaDataFinish(MediaData_t *media_data)'),
  };
  return {
    ...(f as unknown as Omit<FinanceSdkFunctions, 'readBytes'>),
    readBytes: readNativeBytes,
  };
}

function readNativeBytes(pointer: NativePointer, length: number): Uint8Array {
  if (pointer === null || pointer === undefined || !(length > 0)) return new Uint8Array(0);
  return new Uint8Array(koffi.view(pointer, length));
}

/**
 * The child process that owns the native Finance SDK: it loads the library, creates the SDK
 * instance (NewSdk + Init) and runs each call the parent (native-sdk.ts) sends over IPC, one at
 * a time. A child process rather than a worker thread because a segfault in the library kills
 * the whole process it runs in, and a thread blocked inside a native call cannot be terminated;
 * a separate process can be killed and started again while the server keeps serving.
 *
 * Protocol (advanced serialization, so media bytes travel as binary):
 *   parent → child  {type:'init', corpId, secret, libraryPath, bindingModule?}
 *   child → parent  {type:'ready'} | {type:'init-failed', error}
 *   parent → child  {type:'call', id, method, args}
 *   child → parent  {type:'result', id, ok:true, value} | {type:'result', id, ok:false, error}
 */
import { FinanceSdkError, PullOptions } from './finance-sdk';
import * as calls from './native-calls';
import { FinanceSdkFunctions, SdkHandle } from './native-calls';
import { loadFinanceLibrary } from './native-library';

export interface InitMessage {
  type: 'init';
  corpId: string;
  secret: string;
  libraryPath?: string;
  /**
   * Test-only seam: a module exporting `createFinanceSdkFunctions(): FinanceSdkFunctions`, used
   * instead of the real library so the process plumbing can be tested without the .so.
   */
  bindingModule?: string;
}

export type CallMethod = 'getChatData' | 'decryptData' | 'getMediaData' | 'close';

export interface CallMessage {
  type: 'call';
  id: number;
  method: CallMethod;
  args: unknown[];
}

/** An error as it crosses the process boundary. */
export interface SerializedError {
  name: string;
  message: string;
  code?: number;
}

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'init-failed'; error: SerializedError }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: SerializedError };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof FinanceSdkError) return { name: err.name, message: err.message, code: err.code };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

function loadFunctions(init: InitMessage): FinanceSdkFunctions {
  if (init.bindingModule) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(init.bindingModule) as { createFinanceSdkFunctions(): FinanceSdkFunctions };
    return mod.createFinanceSdkFunctions();
  }
  return loadFinanceLibrary(init.libraryPath);
}

function run(): void {
  let fns: FinanceSdkFunctions | undefined;
  let sdk: SdkHandle | undefined;
  const send = (message: ChildMessage, then?: () => void) => process.send?.(message, undefined, undefined, then);

  const dispatch = (call: CallMessage): unknown => {
    if (!fns || !sdk) throw new FinanceSdkError(10003, 'the SDK is not initialised');
    const a = call.args;
    switch (call.method) {
      case 'getChatData':
        return calls.getChatData(fns, sdk, a[0] as number, a[1] as number, a[2] as PullOptions | undefined);
      case 'decryptData':
        return calls.decryptData(fns, a[0] as string, a[1] as string);
      case 'getMediaData':
        return calls.getMediaData(fns, sdk, a[0] as string, a[1] as string, a[2] as PullOptions | undefined);
      case 'close': {
        const closing = sdk;
        sdk = undefined;
        calls.destroySdk(fns, closing);
        return null;
      }
      default:
        throw new FinanceSdkError(10000, `unknown call ${String(call.method)}`);
    }
  };

  process.on('message', (message: InitMessage | CallMessage) => {
    if (message.type === 'init') {
      try {
        fns = loadFunctions(message);
        sdk = calls.createSdk(fns, message.corpId, message.secret);
        send({ type: 'ready' });
      } catch (err) {
        send({ type: 'init-failed', error: serializeError(err) });
      }
      return;
    }
    if (message.type === 'call') {
      // After close the reply must reach the parent before the channel goes.
      const then = message.method === 'close' ? () => process.disconnect?.() : undefined;
      try {
        send({ type: 'result', id: message.id, ok: true, value: dispatch(message) }, then);
      } catch (err) {
        send({ type: 'result', id: message.id, ok: false, error: serializeError(err) }, then);
      }
    }
  });
  // The parent went away (or closed us): nothing else will ever ask for a call.
  process.on('disconnect', () => {
    if (fns && sdk) calls.destroySdk(fns, sdk);
    process.exit(0);
  });
}

if (require.main === module && process.send) run();

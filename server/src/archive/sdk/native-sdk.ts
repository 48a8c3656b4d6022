/**
 * NativeFinanceSdk: the FinanceSdk backed by WeCom's official library, which runs in a child
 * process (native-worker.ts) so a blocking or crashing native call cannot stall the server's
 * event loop. Each call has a deadline; a call that misses it means the child is stuck inside the
 * library, so the child is killed. A child that dies (crash or kill) is started again on the
 * next call, with the same corp id and secret.
 */
import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { Logger } from '../../logger';
import { FinanceSdk, FinanceSdkError, MediaChunk, PullOptions, SealedMessage } from './finance-sdk';
import { DEFAULT_TIMEOUT_SECONDS } from './native-calls';
import { FINANCE_SDK_PATH_ENV, FinanceSdkLoadError, resolveLibraryPath } from './native-library';
import type { CallMethod, CallMessage, ChildMessage, InitMessage, SerializedError } from './native-worker';

export const ARCHIVE_SECRET_ENV = 'ARCHIVE_SECRET';

export interface NativeFinanceSdkOptions {
  corpId: string;
  /** The 会话内容存档 secret. Sent to the child over IPC only: never on its command line, never logged. */
  secret: string;
  libraryPath?: string;
  /**
   * The longest a call may take, in ms, before its process is killed. By default the SDK's own
   * network timeout plus 5 s (at least 30 s), so the SDK reports its timeout first; set it only
   * above the timeoutSeconds you pass.
   */
  callTimeoutMs?: number;
  /** The longest loading the library and Init may take, in ms. */
  startTimeoutMs?: number;
  logger?: Logger;
  /** The child's entry script; native-worker.js next to this file by default. */
  entry?: string;
  /** Node options for the child (tests use them to load TypeScript). */
  execArgv?: string[];
  /** Test-only seam: see InitMessage.bindingModule. */
  bindingModule?: string;
}

const DEFAULT_CALL_TIMEOUT_MS = 30_000;
const DEFAULT_START_TIMEOUT_MS = 15_000;
/** Added to the SDK's own network timeout, so the SDK reports its timeout before we kill it. */
const DEADLINE_MARGIN_MS = 5_000;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

interface Child {
  process: ChildProcess;
  ready: Promise<void>;
  pending: Map<number, Pending>;
  /** Set once the child is gone or being killed, with what to tell calls still waiting. */
  gone?: Error;
}

function deserializeError(error: SerializedError): Error {
  if (typeof error.code === 'number') return new FinanceSdkError(error.code, error.message.replace(/^finance SDK error \d+: /, ''));
  if (error.name === 'FinanceSdkLoadError') return new FinanceSdkLoadError(error.message);
  const err = new Error(error.message);
  err.name = error.name;
  return err;
}

export class NativeFinanceSdk implements FinanceSdk {
  private child?: Child;
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: NativeFinanceSdkOptions) {}

  /** The child's pid while one runs (tests and diagnostics). */
  get pid(): number | undefined {
    return this.child?.process.pid;
  }

  getChatData(seq: number, limit: number, options?: PullOptions): Promise<SealedMessage[]> {
    return this.call('getChatData', [seq, limit, options], options) as Promise<SealedMessage[]>;
  }

  decryptData(randomKey: string, encryptChatMsg: string): Promise<string> {
    return this.call('decryptData', [randomKey, encryptChatMsg]) as Promise<string>;
  }

  async getMediaData(sdkFileId: string, indexBuf: string, options?: PullOptions): Promise<MediaChunk> {
    const chunk = (await this.call('getMediaData', [sdkFileId, indexBuf, options], options)) as MediaChunk;
    // Structured clone delivers the bytes as a Uint8Array; callers get the Buffer the interface promises.
    const data = Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength);
    return { data, outIndexBuf: chunk.outIndexBuf, isFinish: chunk.isFinish };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const child = this.child;
    if (!child || child.gone) return;
    try {
      await this.send(child, 'close', [], this.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
    } catch {
      // DestroySdk failing or hanging changes nothing: the process goes either way.
    }
    this.kill(child, new FinanceSdkError(10003, 'the finance SDK was closed'));
  }

  private deadline(options?: PullOptions): number {
    if (this.options.callTimeoutMs !== undefined) return this.options.callTimeoutMs;
    const sdkSeconds = options?.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    return Math.max(DEFAULT_CALL_TIMEOUT_MS, sdkSeconds * 1000 + DEADLINE_MARGIN_MS);
  }

  private async call(method: CallMethod, args: unknown[], options?: PullOptions): Promise<unknown> {
    if (this.closed) throw new FinanceSdkError(10003, 'the finance SDK is closed');
    const child = this.ensureChild();
    await child.ready;
    return this.send(child, method, args, this.deadline(options));
  }

  private send(child: Child, method: CallMethod, args: unknown[], timeoutMs: number): Promise<unknown> {
    if (child.gone) return Promise.reject(child.gone);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.pending.delete(id);
        reject(new FinanceSdkError(10003, `${method} did not return within ${timeoutMs} ms; the SDK process was restarted`));
        this.options.logger?.warn({ method, timeoutMs }, 'finance SDK call timed out; killing its process');
        this.kill(child, new FinanceSdkError(10003, `the SDK process was killed after ${method} timed out`));
      }, timeoutMs);
      child.pending.set(id, { resolve, reject, timer });
      const message: CallMessage = { type: 'call', id, method, args };
      child.process.send(message, (err) => {
        if (err) this.settle(child, id, { ok: false, error: { name: 'Error', message: `could not reach the SDK process: ${err.message}` } });
      });
    });
  }

  private settle(child: Child, id: number, result: { ok: true; value: unknown } | { ok: false; error: SerializedError }): void {
    const pending = child.pending.get(id);
    if (!pending) return;
    child.pending.delete(id);
    clearTimeout(pending.timer);
    if (result.ok) pending.resolve(result.value);
    else pending.reject(deserializeError(result.error));
  }

  private ensureChild(): Child {
    if (this.child && !this.child.gone) return this.child;
    const { options } = this;
    const entry = options.entry ?? path.join(__dirname, 'native-worker.js');
    const processHandle = fork(entry, [], {
      serialization: 'advanced',
      execArgv: options.execArgv ?? [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const child: Child = { process: processHandle, pending: new Map(), ready: Promise.resolve() };
    this.child = child;

    child.ready = new Promise<void>((resolve, reject) => {
      const startTimer = setTimeout(() => {
        const err = new FinanceSdkError(10003, `the SDK process did not start within ${options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS} ms`);
        reject(err);
        this.kill(child, err);
      }, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);

      processHandle.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') {
          clearTimeout(startTimer);
          resolve();
        } else if (message.type === 'init-failed') {
          clearTimeout(startTimer);
          const err = deserializeError(message.error);
          reject(err);
          // A child that cannot initialise is of no use; the next call tries afresh.
          this.kill(child, err);
        } else if (message.type === 'result') {
          this.settle(child, message.id, message);
        }
      });
      processHandle.on('exit', (code, signal) => {
        clearTimeout(startTimer);
        const err =
          child.gone ??
          new FinanceSdkError(10003, `the SDK process exited (${signal ?? `code ${code}`}); it is started again on the next call`);
        if (!child.gone) {
          options.logger?.error({ code, signal }, 'finance SDK process exited unexpectedly');
        }
        child.gone = err;
        reject(err);
        for (const [, pending] of child.pending) {
          clearTimeout(pending.timer);
          pending.reject(err);
        }
        child.pending.clear();
      });
      processHandle.on('error', (error) => {
        options.logger?.error({ err: error.message }, 'finance SDK process error');
      });
    });
    // A start failure is reported to whoever awaits `ready`; this keeps it from being unhandled meanwhile.
    child.ready.catch(() => undefined);

    const init: InitMessage = {
      type: 'init',
      corpId: options.corpId,
      secret: options.secret,
      libraryPath: options.libraryPath,
      bindingModule: options.bindingModule,
    };
    processHandle.send(init);
    return child;
  }

  /** Kills the process and fails every call still waiting on it now, not when the exit arrives. */
  private kill(child: Child, reason: Error): void {
    if (!child.gone) child.gone = reason;
    for (const [, pending] of child.pending) {
      clearTimeout(pending.timer);
      pending.reject(child.gone);
    }
    child.pending.clear();
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  }
}

/**
 * The native adapter from the environment: WECOM_CORP_ID, ARCHIVE_SECRET (the 会话内容存档 secret)
 * and FINANCE_SDK_PATH. Checks what it can before starting a process, so a missing library or
 * secret fails at once with a message that says what to set (never the secret's value).
 */
export function createNativeFinanceSdk(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<NativeFinanceSdkOptions> = {},
): NativeFinanceSdk {
  const libraryPath = resolveLibraryPath(overrides.libraryPath ?? env[FINANCE_SDK_PATH_ENV]);
  const corpId = overrides.corpId ?? env.WECOM_CORP_ID ?? '';
  const secret = overrides.secret ?? env[ARCHIVE_SECRET_ENV] ?? '';
  if (!corpId) throw new Error('the chat archive needs WECOM_CORP_ID (企业ID)');
  if (!secret) {
    throw new Error(`the chat archive needs ${ARCHIVE_SECRET_ENV}: the 会话内容存档 secret from the WeCom admin console (管理工具 → 会话内容存档)`);
  }
  return new NativeFinanceSdk({ ...overrides, corpId, secret, libraryPath });
}

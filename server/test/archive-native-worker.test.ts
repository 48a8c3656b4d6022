/**
 * NativeFinanceSdk's child process (issue 13): real forks and real IPC, with the test-only binding
 * seam standing in for libWeWorkFinanceSdk_C.so (fake-finance-functions.ts: seq 13 crashes the
 * process with SIGSEGV, seq 14 blocks for a minute, 'wrong-secret' fails Init).
 */
import path from 'node:path';
import { FinanceSdkError } from '../src/archive/sdk/finance-sdk';
import { FinanceSdkLoadError } from '../src/archive/sdk/native-library';
import { NativeFinanceSdk, NativeFinanceSdkOptions } from '../src/archive/sdk/native-sdk';
import { BINARY_SAMPLE } from './support/fake-finance-functions';

const ENTRY = path.join(__dirname, '../src/archive/sdk/native-worker.ts');
const EXEC_ARGV = ['-r', path.join(__dirname, 'support/ts-register.js')];
const FAKE = path.join(__dirname, 'support/fake-finance-functions.ts');

const opened: NativeFinanceSdk[] = [];
function open(overrides: Partial<NativeFinanceSdkOptions> = {}): NativeFinanceSdk {
  const sdk = new NativeFinanceSdk({
    corpId: 'ww-corp',
    secret: 'archive-secret',
    entry: ENTRY,
    execArgv: EXEC_ARGV,
    bindingModule: FAKE,
    ...overrides,
  });
  opened.push(sdk);
  return sdk;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((sdk) => sdk.close()));
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('NativeFinanceSdk over its child process', () => {
  it('pulls, decrypts and downloads media through the child, media bytes intact across IPC', async () => {
    const sdk = open();
    const messages = await sdk.getChatData(100, 2);
    expect(messages.map((m) => [m.seq, m.msgid, m.publickey_ver])).toEqual([
      [101, 'msg-101', 2],
      [102, 'msg-102', 2],
    ]);
    expect(sdk.pid).not.toBe(process.pid);

    expect(JSON.parse(await sdk.decryptData('key', 'sealed'))).toEqual({ msgtype: 'text', text: { content: '解密：key/sealed' } });

    const chunks: Buffer[] = [];
    let index = '';
    for (;;) {
      const chunk = await sdk.getMediaData('file-1', index);
      expect(Buffer.isBuffer(chunk.data)).toBe(true);
      chunks.push(chunk.data);
      if (chunk.isFinish) break;
      index = chunk.outIndexBuf;
    }
    expect(chunks.map((c) => c.length)).toEqual([400, 200]);
    expect(Buffer.concat(chunks).equals(Buffer.from(BINARY_SAMPLE))).toBe(true);
  });

  it('brings SDK errors back as FinanceSdkError with their code, and argument errors from the child too', async () => {
    const sdk = open();
    const bad = await rejection(sdk.decryptData('bad-key', 'sealed'));
    expect(bad).toBeInstanceOf(FinanceSdkError);
    expect((bad as FinanceSdkError).code).toBe(10008);
    const tooMany = await rejection(sdk.getChatData(0, 1001));
    expect((tooMany as FinanceSdkError).code).toBe(10000);
    // The process survives errors: the next call is answered by the same child.
    const pid = sdk.pid;
    await sdk.getChatData(0, 1);
    expect(sdk.pid).toBe(pid);
  });

  it('reports a native crash as a retryable error and starts a new process for the next call', async () => {
    const sdk = open();
    await sdk.getChatData(0, 1);
    const crashedPid = sdk.pid!;
    const crash = await rejection(sdk.getChatData(13, 1));
    expect(crash).toBeInstanceOf(FinanceSdkError);
    expect(crash.message).toMatch(/exited \(SIGSEGV\)/);
    expect((crash as FinanceSdkError).retryable).toBe(true);

    const after = await sdk.getChatData(20, 1);
    expect(after[0].seq).toBe(21);
    expect(sdk.pid).not.toBe(crashedPid);
  });

  it('kills a call that hangs past its deadline without blocking this event loop, and recovers', async () => {
    const sdk = open({ callTimeoutMs: 800 });
    await sdk.getChatData(0, 1);
    const hungPid = sdk.pid!;

    let ticks = 0;
    const ticker = setInterval(() => ticks++, 50);
    const started = Date.now();
    const [hung, queued] = await Promise.all([rejection(sdk.getChatData(14, 1)), rejection(sdk.decryptData('k', 'm'))]);
    clearInterval(ticker);

    expect(Date.now() - started).toBeLessThan(5000);
    expect(ticks).toBeGreaterThanOrEqual(8); // the main loop kept running while the native call blocked
    expect(hung.message).toMatch(/getChatData did not return within 800 ms/);
    expect((hung as FinanceSdkError).retryable).toBe(true);
    // The call queued behind the hung one learns why instead of waiting out its own deadline.
    expect(queued.message).toMatch(/killed after getChatData timed out/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(isAlive(hungPid)).toBe(false);

    expect(await sdk.decryptData('k', 'm')).toContain('k/m');
    expect(sdk.pid).not.toBe(hungPid);
  });

  it('fails a call clearly when Init refuses the secret, and does not keep the process', async () => {
    const sdk = open({ secret: 'wrong-secret' });
    const err = await rejection(sdk.getChatData(0, 1));
    expect(err).toBeInstanceOf(FinanceSdkError);
    expect((err as FinanceSdkError).code).toBe(10004);
    expect(err.message).toMatch(/archive secret/);
    expect(err.message).not.toContain('wrong-secret');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(isAlive(sdk.pid!)).toBe(false);
  });

  it('without the seam loads the real library in the child, and names the missing path', async () => {
    const sdk = open({ bindingModule: undefined, libraryPath: '/nonexistent/libWeWorkFinanceSdk_C.so' });
    const err = await rejection(sdk.getChatData(0, 1));
    expect(err).toBeInstanceOf(FinanceSdkLoadError);
    expect(err.message).toContain('/nonexistent/libWeWorkFinanceSdk_C.so');
    expect(err.message).toContain('FINANCE_SDK_PATH');
  });

  it('close() destroys the SDK and ends the process; later calls are refused', async () => {
    const sdk = open();
    await sdk.getChatData(0, 1);
    const pid = sdk.pid!;
    await sdk.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(isAlive(pid)).toBe(false);
    const err = await rejection(sdk.getChatData(0, 1));
    expect(err.message).toMatch(/closed/);
  });
});

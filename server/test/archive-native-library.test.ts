/**
 * The koffi binding of the Finance SDK (issue 13): clear failures for a missing or wrong library,
 * and the C declarations exercised against a real shared library with the SDK's API
 * (fixtures/finance-sdk-stub.c, compiled here with the C compiler npm install already needs for
 * better-sqlite3), in this process and through the child process.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as koffi from 'koffi';
import { FinanceSdkError } from '../src/archive/sdk/finance-sdk';
import { createSdk, decryptData, destroySdk, getChatData, getMediaData } from '../src/archive/sdk/native-calls';
import { FinanceSdkLoadError, loadFinanceLibrary, resolveLibraryPath } from '../src/archive/sdk/native-library';
import { createNativeFinanceSdk } from '../src/archive/sdk/native-sdk';

let dir: string;
let stubPath: string;
let unrelatedPath: string;
let liveAllocations: () => number;

function compile(source: string, out: string): void {
  execFileSync(process.env.CC ?? 'cc', ['-shared', '-fPIC', '-O0', '-o', out, source], { stdio: 'pipe' });
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finance-sdk-'));
  stubPath = path.join(dir, 'libWeWorkFinanceSdk_C.so');
  compile(path.join(__dirname, 'fixtures/finance-sdk-stub.c'), stubPath);
  const unrelatedSource = path.join(dir, 'unrelated.c');
  fs.writeFileSync(unrelatedSource, 'int unrelated(void) { return 0; }\n');
  unrelatedPath = path.join(dir, 'libunrelated.so');
  compile(unrelatedSource, unrelatedPath);
  liveAllocations = koffi.load(stubPath).func('int StubLiveAllocations()') as () => number;
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function loadError(run: () => unknown): FinanceSdkLoadError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(FinanceSdkLoadError);
    return err as FinanceSdkLoadError;
  }
  throw new Error('expected a FinanceSdkLoadError');
}

describe('loading the library', () => {
  it('without FINANCE_SDK_PATH says what to download and what to set', () => {
    for (const value of [undefined, '', '  ']) {
      const err = loadError(() => loadFinanceLibrary(value));
      expect(err.message).toMatch(/FINANCE_SDK_PATH is not set/);
      expect(err.message).toMatch(/download the Finance SDK/);
    }
  });

  it('names a path that does not exist, or is a directory', () => {
    const missing = path.join(dir, 'nope/libWeWorkFinanceSdk_C.so');
    expect(loadError(() => loadFinanceLibrary(missing)).message).toContain(`${missing} (FINANCE_SDK_PATH) does not exist`);
    expect(loadError(() => resolveLibraryPath(dir)).message).toContain(`${dir} (FINANCE_SDK_PATH) is not a file`);
  });

  it('names a file that is not a shared library', () => {
    const text = path.join(dir, 'README.txt');
    fs.writeFileSync(text, 'not a library');
    const err = loadError(() => loadFinanceLibrary(text));
    expect(err.message).toContain(`${text} (FINANCE_SDK_PATH) could not be loaded`);
  });

  it('names a shared library that lacks the SDK functions', () => {
    const err = loadError(() => loadFinanceLibrary(unrelatedPath));
    expect(err.message).toContain(`${unrelatedPath} (FINANCE_SDK_PATH) loaded but lacks the Finance SDK's functions`);
  });
});

describe('the declarations against a library with the SDK API', () => {
  it('creates the SDK and maps Init failures', () => {
    const fns = loadFinanceLibrary(stubPath);
    expect(() => createSdk(fns, 'ww-corp', 'other')).toThrow(expect.objectContaining({ code: 10004 }));
    const sdk = createSdk(fns, 'ww-corp', 'stub-secret');
    destroySdk(fns, sdk);
  });

  it('pulls with seq, limit, proxy, password and timeout as the C function receives them, and frees every slice', () => {
    const fns = loadFinanceLibrary(stubPath);
    const sdk = createSdk(fns, 'ww-corp', 'stub-secret');
    const messages = getChatData(fns, sdk, 4_000_000_000, 2, { proxy: 'http://10.0.0.2:3128', proxyPassword: 'u:p', timeoutSeconds: 9 });
    expect(messages).toEqual([
      { seq: 4_000_000_001, msgid: 'stub-4000000001', publickey_ver: 1, encrypt_random_key: 'a2V5', encrypt_chat_msg: 'http://10.0.0.2:3128|u:p|9' },
      { seq: 4_000_000_002, msgid: 'stub-4000000002', publickey_ver: 1, encrypt_random_key: 'a2V5', encrypt_chat_msg: 'http://10.0.0.2:3128|u:p|9' },
    ]);
    expect(getChatData(fns, sdk, 0, 1)[0].encrypt_chat_msg).toBe('||10');
    expect(() => getChatData(fns, sdk, 99, 1)).toThrow(expect.objectContaining({ code: 10001 }));
    expect(liveAllocations()).toBe(0);
    destroySdk(fns, sdk);
  });

  it('decrypts to UTF-8 and downloads binary media in chunks, NUL bytes intact', () => {
    const fns = loadFinanceLibrary(stubPath);
    const sdk = createSdk(fns, 'ww-corp', 'stub-secret');
    expect(JSON.parse(decryptData(fns, 'k1', 'm1'))).toEqual({ msgtype: 'text', text: { content: '报价 k1 m1' } });

    const chunks: Buffer[] = [];
    let index = '';
    for (;;) {
      const chunk = getMediaData(fns, sdk, 'stub-file', index);
      chunks.push(chunk.data);
      if (chunk.isFinish) break;
      index = chunk.outIndexBuf;
    }
    expect(chunks.map((c) => c.length)).toEqual([512, 188]);
    const expected = Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 7) % 256));
    expect(Buffer.concat(chunks).equals(expected)).toBe(true);

    expect(() => getMediaData(fns, sdk, 'gone', '')).toThrow(FinanceSdkError);
    expect(liveAllocations()).toBe(0);
    destroySdk(fns, sdk);
  });

  it('runs in the child process from FINANCE_SDK_PATH and ARCHIVE_SECRET', async () => {
    const sdk = createNativeFinanceSdk(
      { FINANCE_SDK_PATH: stubPath, WECOM_CORP_ID: 'ww-corp', ARCHIVE_SECRET: 'stub-secret' },
      { entry: path.join(__dirname, '../src/archive/sdk/native-worker.ts'), execArgv: ['-r', path.join(__dirname, 'support/ts-register.js')] },
    );
    try {
      expect((await sdk.getChatData(7, 1))[0].msgid).toBe('stub-8');
      const chunk = await sdk.getMediaData('stub-file', '512');
      expect(chunk).toMatchObject({ outIndexBuf: '', isFinish: true });
      expect(chunk.data[0]).toBe((512 * 7) % 256);
    } finally {
      await sdk.close();
    }
  });
});

describe('createNativeFinanceSdk', () => {
  it('fails before starting anything when the library path, the corp id or the secret is missing, never echoing the secret', () => {
    expect(() => createNativeFinanceSdk({ WECOM_CORP_ID: 'ww', ARCHIVE_SECRET: 's' })).toThrow(FinanceSdkLoadError);
    expect(() => createNativeFinanceSdk({ FINANCE_SDK_PATH: stubPath, WECOM_CORP_ID: 'ww' })).toThrow(/needs ARCHIVE_SECRET/);
    let message = '';
    try {
      createNativeFinanceSdk({ FINANCE_SDK_PATH: stubPath, ARCHIVE_SECRET: 'very-secret-value' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/needs WECOM_CORP_ID/);
    expect(message).not.toContain('very-secret-value');
  });
});

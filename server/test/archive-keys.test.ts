import { constants, createPrivateKey, generateKeyPairSync, KeyObject, publicEncrypt, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { ArchiveKeyError, ArchiveKeyRing } from '../src/archive/keys/key-ring';
import { loadArchiveKeyDir } from '../src/archive/keys/load-key-dir';
import { ArchiveKeyFileError } from '../src/archive/keys/parse-private-key';
import { archiveKeysDir, loadArchiveKeysAtStartup } from '../src/archive/keys/startup';
import { checkConfigFiles } from '../src/config-files';

/**
 * The archive's private keys: PKCS#1 and PKCS#8 PEM by publickey_ver, random keys sealed the way
 * WeCom seals them (RSA PKCS#1 v1.5 with the version's public key, here Node's publicEncrypt,
 * independent of the code under test), and every way a key or a sealed key can be wrong.
 */

interface TestKey {
  privateKey: KeyObject;
  pkcs1: string;
  pkcs8: string;
}

function newKey(bits = 2048): TestKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    privateKey,
    pkcs1: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    pkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

const seal = (key: TestKey, randomKey: string | Buffer) =>
  publicEncrypt({ key: key.privateKey, padding: constants.RSA_PKCS1_PADDING }, typeof randomKey === 'string' ? Buffer.from(randomKey) : randomKey).toString('base64');

/** The base64 body lines of a PEM: none may ever appear in an error message. */
const keyMaterial = (pem: string) => pem.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----'));

function expectNoKeyMaterial(message: string, ...pems: string[]) {
  for (const pem of pems) for (const line of keyMaterial(pem)) expect(message).not.toContain(line.slice(0, 20));
}

// RSA key generation is slow: once per file.
let v1: TestKey;
let v2: TestKey;
let v3: TestKey;
let dir: string;

beforeAll(() => {
  v1 = newKey();
  v2 = newKey();
  v3 = newKey();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archive-keys-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function keyDir(files: Record<string, string>): string {
  const d = fs.mkdtempSync(path.join(dir, 'case-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(d, name), text, { mode: 0o600 });
  return d;
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('ArchiveKeyRing.openRandomKey', () => {
  let ring: ArchiveKeyRing;
  beforeAll(() => {
    ring = ArchiveKeyRing.fromPems([
      { version: 1, pem: v1.pkcs1, source: 'v1' },
      { version: 2, pem: v2.pkcs8, source: 'v2' },
      { version: 5, pem: v3.pkcs1, source: 'v5' },
    ]);
  });

  it('opens random keys sealed under each version, PKCS#1 and PKCS#8 alike', () => {
    expect(ring.versions).toEqual([1, 2, 5]);
    for (const [version, key] of [[1, v1], [2, v2], [5, v3]] as const) {
      const randomKey = randomBytes(24).toString('base64url');
      expect(ring.openRandomKey(version, seal(key, randomKey))).toBe(randomKey);
    }
    // WeCom's base64 may come wrapped: whitespace is not part of it.
    const wrapped = seal(v1, 'abc123').replace(/(.{64})/g, '$1\n');
    expect(ring.openRandomKey(1, wrapped)).toBe('abc123');
  });

  it('an unknown version is error 10007, naming the configured ones', () => {
    const error = thrown(() => ring.openRandomKey(3, seal(v1, 'x')));
    expect(error).toBeInstanceOf(ArchiveKeyError);
    expect((error as ArchiveKeyError).code).toBe(10007);
    expect(error.message).toContain('publickey_ver 3');
    expect(error.message).toContain('1, 2, 5');
  });

  it('a random key sealed under another version is error 10008, never garbage (100 tries)', () => {
    let refused = 0;
    for (let i = 0; i < 100; i++) {
      const sealed = seal(v1, randomBytes(24).toString('base64url'));
      const error = thrown(() => ring.openRandomKey(2, sealed));
      expect(error).toBeInstanceOf(ArchiveKeyError);
      expect((error as ArchiveKeyError).code).toBe(10008);
      refused++;
    }
    expect(refused).toBe(100);
  });

  it('a value that passes the padding but is not a key string (control bytes) is 10008 too', () => {
    // Sealed by "WeCom" with the right key, so only the content check can catch it.
    const error = thrown(() => ring.openRandomKey(1, seal(v1, Buffer.from([0x41, 0x00, 0x42, 0x07]))));
    expect((error as ArchiveKeyError).code).toBe(10008);
    expect(thrown(() => ring.openRandomKey(1, seal(v1, Buffer.from([0xff, 0xfe, 0x41])))).message).toContain('not a key');
  });

  it('malformed encrypt_random_key is 10008: not base64, or not the key size', () => {
    expect((thrown(() => ring.openRandomKey(1, 'not base64 at all!')) as ArchiveKeyError).code).toBe(10008);
    expect((thrown(() => ring.openRandomKey(1, Buffer.alloc(100).toString('base64'))) as ArchiveKeyError).code).toBe(10008);
    expect((thrown(() => ring.openRandomKey(1, '')) as ArchiveKeyError).code).toBe(10008);
  });

  it('refuses the same version twice and non-positive versions', () => {
    expect(thrown(() => ArchiveKeyRing.fromPems([{ version: 1, pem: v1.pkcs1, source: 'a' }, { version: 1, pem: v2.pkcs1, source: 'b' }])).message).toContain('twice');
    expect(thrown(() => ArchiveKeyRing.fromPems([{ version: 0, pem: v1.pkcs1, source: 'a' }])).message).toContain('positive');
  });
});

describe('archive keys from a directory', () => {
  it('loads v<N>.pem files of both formats and ignores the README', () => {
    const d = keyDir({ 'v1.pem': v1.pkcs1, 'v2.pem': v2.pkcs8, 'v10.pem': v3.pkcs1, 'README.md': '# keys go here\n' });
    const ring = loadArchiveKeyDir(d);
    expect(ring.versions).toEqual([1, 2, 10]);
    expect(ring.openRandomKey(10, seal(v3, 'rotated-key'))).toBe('rotated-key');
    expect(ring.openRandomKey(1, seal(v1, 'old-key'))).toBe('old-key');
  });

  const broken: Array<[string, () => string, RegExp]> = [
    ['a truncated PKCS#1 file', () => v2.pkcs1.slice(0, 600) + '\n-----END RSA PRIVATE KEY-----\n', /not a readable PKCS#1/],
    ['a truncated PKCS#8 file', () => v2.pkcs8.slice(0, 600) + '\n-----END PRIVATE KEY-----\n', /not a readable RSA private key in PKCS#8/],
    ['a public key', () => createPrivateKey(v2.pkcs1).export({ type: 'pkcs1', format: 'pem' }).toString().replace(/RSA PRIVATE/g, 'PUBLIC'), /PUBLIC KEY/],
    ['an EC key', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), /EC or damaged/],
    ['a passphrase-protected key', () => v2.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString(), /passphrase/],
    ['two keys in one file', () => v1.pkcs1 + v2.pkcs1, /2 PEM blocks/],
    ['no PEM at all', () => 'hello', /not a PEM file/],
    ['a 512-bit key', () => newKey(512).pkcs1, /512-bit/],
    [
      'a key with damaged numbers',
      () => {
        const k = forge.pki.privateKeyFromPem(v2.pkcs1);
        const damaged = forge.pki.setRsaPrivateKey(k.n, k.e, k.d, k.p, k.q, k.dP.add(forge.jsbn.BigInteger.ONE), k.dQ, k.qInv);
        return forge.pki.privateKeyToPem(damaged);
      },
      /self-test/,
    ],
  ];

  it.each(broken)('%s: the error names the file and says what is wrong, without key material', (_name, text, problem) => {
    const pem = text();
    const d = keyDir({ 'v1.pem': v1.pkcs1, 'v3.pem': pem });
    const error = thrown(() => loadArchiveKeyDir(d));
    expect(error).toBeInstanceOf(ArchiveKeyFileError);
    expect(error.message).toContain(path.join(d, 'v3.pem'));
    expect(error.message).toMatch(problem);
    expectNoKeyMaterial(error.message, pem, v1.pkcs1);
  });

  it('a .pem not named v<N>.pem, two files of one version, an empty or missing directory are errors', () => {
    expect(thrown(() => loadArchiveKeyDir(keyDir({ 'key.pem': v1.pkcs1 }))).message).toMatch(/key\.pem: is not named v<publickey_ver>\.pem/);
    expect(thrown(() => loadArchiveKeyDir(keyDir({ 'v0.pem': v1.pkcs1 }))).message).toMatch(/v0\.pem: is not named/);
    expect(thrown(() => loadArchiveKeyDir(keyDir({ 'v1.pem': v1.pkcs1, 'v01.pem': v2.pkcs1 }))).message).toMatch(/v01\.pem: is not named/);
    expect(thrown(() => loadArchiveKeyDir(keyDir({ 'README.md': 'x' }))).message).toMatch(/no v<publickey_ver>\.pem file/);
    expect(thrown(() => loadArchiveKeyDir(path.join(dir, 'nowhere'))).message).toMatch(/cannot read the directory .*ENOENT/);
  });
});

describe('loading at start-up', () => {
  it('reads nothing while the archive is off, even without a key directory', () => {
    expect(loadArchiveKeysAtStartup({ ARCHIVE_KEYS_DIR: path.join(dir, 'nowhere') })).toBeNull();
    expect(loadArchiveKeysAtStartup({ ARCHIVE_SECRET: '  ', ARCHIVE_KEYS_DIR: path.join(dir, 'nowhere') })).toBeNull();
  });

  it('with ARCHIVE_SECRET set, loads ARCHIVE_KEYS_DIR, or refuses naming the broken file', () => {
    const good = keyDir({ 'v1.pem': v1.pkcs8, 'v2.pem': v2.pkcs1 });
    expect(loadArchiveKeysAtStartup({ ARCHIVE_SECRET: 's', ARCHIVE_KEYS_DIR: good })?.versions).toEqual([1, 2]);
    const bad = keyDir({ 'v1.pem': v1.pkcs8, 'v2.pem': 'garbage' });
    expect(() => loadArchiveKeysAtStartup({ ARCHIVE_SECRET: 's', ARCHIVE_KEYS_DIR: bad })).toThrow(/v2\.pem: not a PEM file/);
    expect(() => loadArchiveKeysAtStartup({ ARCHIVE_SECRET: 's', ARCHIVE_KEYS_DIR: path.join(dir, 'nowhere') })).toThrow(/ARCHIVE_KEYS_DIR/);
  });

  it('the service\'s start-up check (checkConfigFiles, run by startRuntime) refuses a broken key file by name', () => {
    const saved = { secret: process.env.ARCHIVE_SECRET, dir: process.env.ARCHIVE_KEYS_DIR };
    try {
      process.env.ARCHIVE_SECRET = 'archive-secret';
      process.env.ARCHIVE_KEYS_DIR = keyDir({ 'v1.pem': v1.pkcs1, 'v2.pem': v2.pkcs1.slice(0, 400) });
      const error = thrown(() => checkConfigFiles());
      expect(error.message).toMatch(/v2\.pem: is not a readable PKCS#1/);
      expectNoKeyMaterial(error.message, v1.pkcs1, v2.pkcs1);
      process.env.ARCHIVE_KEYS_DIR = keyDir({ 'v1.pem': v1.pkcs1 });
      expect(() => checkConfigFiles()).not.toThrow();
      delete process.env.ARCHIVE_SECRET;
      process.env.ARCHIVE_KEYS_DIR = path.join(dir, 'nowhere');
      expect(() => checkConfigFiles()).not.toThrow();
    } finally {
      for (const [name, value] of [['ARCHIVE_SECRET', saved.secret], ['ARCHIVE_KEYS_DIR', saved.dir]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('defaults to config/archive-keys (in XIANSUO_CONFIG_DIR when set)', () => {
    const saved = process.env.XIANSUO_CONFIG_DIR;
    try {
      process.env.XIANSUO_CONFIG_DIR = dir;
      expect(archiveKeysDir({})).toBe(path.join(dir, 'archive-keys'));
      expect(archiveKeysDir({ ARCHIVE_KEYS_DIR: 'keys' })).toBe(path.resolve('keys'));
    } finally {
      if (saved === undefined) delete process.env.XIANSUO_CONFIG_DIR;
      else process.env.XIANSUO_CONFIG_DIR = saved;
    }
  });
});

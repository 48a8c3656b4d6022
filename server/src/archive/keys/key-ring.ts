import forge from 'node-forge';
import { parseArchivePrivateKey } from './parse-private-key';

/**
 * The corp's archive private keys by `publickey_ver`. WeCom seals each message's random key with
 * the public key that was current when the message was sent, and the corp can upload a new key
 * pair at any time, so every version ever used must stay here for old messages to be readable.
 */

/** Why a random key could not be opened; `code` is the Finance SDK's for the same failure (wecom-reference.md §7). */
export class ArchiveKeyError extends Error {
  constructor(
    readonly code: 10007 | 10008,
    message: string,
  ) {
    super(message);
    this.name = 'ArchiveKeyError';
  }
}

export interface ArchiveKeySource {
  version: number;
  pem: string;
  /** Where the PEM came from, for errors (e.g. the file name). */
  source: string;
}

/** Printable (no C0 controls or DEL) and valid UTF-8: see openRandomKey. */
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export class ArchiveKeyRing {
  private constructor(private readonly keys: ReadonlyMap<number, forge.pki.rsa.PrivateKey>) {}

  /** Parses and checks every key; throws ArchiveKeyFileError naming the first broken one. */
  static fromPems(sources: readonly ArchiveKeySource[]): ArchiveKeyRing {
    const keys = new Map<number, forge.pki.rsa.PrivateKey>();
    for (const { version, pem, source } of sources) {
      if (!Number.isInteger(version) || version < 1) throw new Error(`archive key ${source}: version must be a positive integer`);
      if (keys.has(version)) throw new Error(`archive key ${source}: version ${version} is given twice`);
      keys.set(version, parseArchivePrivateKey(pem, source));
    }
    return new ArchiveKeyRing(keys);
  }

  /** The configured versions, ascending. */
  get versions(): number[] {
    return [...this.keys.keys()].sort((a, b) => a - b);
  }

  has(version: number): boolean {
    return this.keys.has(version);
  }

  /**
   * The random key of one message: `encrypt_random_key` (base64) opened with the private key of
   * `publickey_ver`, RSA PKCS#1 v1.5 as WeCom seals it. node-forge does the RSA because Node 20's
   * crypto.privateDecrypt refuses RSA_PKCS1_PADDING since the February 2024 releases
   * (CVE-2023-46809, the Marvin timing attack) unless the whole process runs with
   * --security-revert. The timing concern is about an attacker who can submit chosen ciphertexts
   * and time our answers; ours come only from WeCom's SDK.
   *
   * Unknown version → ArchiveKeyError 10007. A wrong key fails the padding check almost always;
   * in the rare case (about 1 in 65,536) where random bytes pass it, the result is also checked to
   * be a NUL-free printable UTF-8 string, as the SDK takes the key as a C string: either way
   * ArchiveKeyError 10008, never garbage handed on to DecryptData.
   */
  openRandomKey(version: number, encryptRandomKeyBase64: string): string {
    const { key, sealed } = this.sealedRandomKey(version, encryptRandomKeyBase64);
    let opened: string;
    try {
      opened = key.decrypt(sealed, 'RSAES-PKCS1-V1_5');
    } catch {
      throw cannotOpen(version);
    }
    return randomKeyText(version, opened);
  }

  /**
   * The checks before the RSA: the version's key, and `encrypt_random_key` decoded and the size of
   * that key. `sealed` is a binary string, as node-forge takes it. Throws ArchiveKeyError.
   */
  sealedRandomKey(version: number, encryptRandomKeyBase64: string): { key: forge.pki.rsa.PrivateKey; sealed: string } {
    const key = this.keys.get(version);
    if (!key) {
      throw new ArchiveKeyError(10007, `no archive private key for publickey_ver ${version} (configured: ${this.versions.join(', ') || 'none'})`);
    }
    const compact = encryptRandomKeyBase64.replace(/\s+/g, '');
    if (!BASE64.test(compact)) throw new ArchiveKeyError(10008, 'encrypt_random_key is not base64');
    const sealed = Buffer.from(compact, 'base64');
    if (sealed.length !== Math.ceil(key.n.bitLength() / 8)) {
      throw new ArchiveKeyError(10008, `encrypt_random_key does not fit the key of publickey_ver ${version} (wrong key for this version?)`);
    }
    return { key, sealed: sealed.toString('binary') };
  }

  /** Every key as PKCS#1 PEM by version: for the threads that do the RSA (keys/decrypt-pool.ts). */
  exportPems(): Array<[number, string]> {
    return this.versions.map((version) => [version, forge.pki.privateKeyToPem(this.keys.get(version)!)]);
  }
}

/** The RSA failed: the padding check refused what came out. */
export const cannotOpen = (version: number) =>
  new ArchiveKeyError(10008, `encrypt_random_key cannot be opened with the key of publickey_ver ${version} (wrong key for this version?)`);

/** What the RSA gave (a binary string), checked to be a random key: see openRandomKey. */
export function randomKeyText(version: number, opened: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(opened, 'binary'));
  } catch {
    text = '';
  }
  if (text === '' || CONTROL_CHARS.test(text)) {
    throw new ArchiveKeyError(10008, `encrypt_random_key opened with the key of publickey_ver ${version} into something that is not a key (wrong key for this version?)`);
  }
  return text;
}

import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, publicEncrypt } from 'node:crypto';

/**
 * The corp's chat-archive key pairs by version (wecom-reference.md §7): the corp uploads a public
 * key in the admin console and WeCom seals every new message's random key with the current one;
 * uploading another makes it current (a rotation), and older messages keep the version they were
 * sealed under. Pairs are real 2048-bit RSA, generated on first use (Node's native generator, a
 * few hundred ms; node-forge's pure-JS one takes seconds) or given by the test, so that the
 * archive's own key handling is exercised with the same kind of keys as in production.
 */

export interface SimArchiveKeyPair {
  version: number;
  /** PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), what WeCom's docs show the corp generating with openssl. */
  privateKeyPem: string;
  /** SPKI PEM, the half uploaded to WeCom. */
  publicKeyPem: string;
  publicKey: KeyObject;
}

export const ARCHIVE_KEY_BITS = 2048;

/** A fresh key pair as PEM: for tests that configure the simulator (and the archive) with their own keys. */
export function generateArchiveKeyPem(bits = ARCHIVE_KEY_BITS): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}

export class ArchiveKeyStore {
  private readonly pairs = new Map<number, SimArchiveKeyPair>();
  private currentVersion?: number;

  /** Adds a key version (the given PEM, PKCS#1 or PKCS#8, or a generated pair) and makes it current. Versions only go up. */
  add(version?: number, privateKeyPem?: string): SimArchiveKeyPair {
    const latest = this.currentVersion ?? 0;
    const v = version ?? latest + 1;
    if (!Number.isInteger(v) || v <= latest) throw new Error(`archive key version must be an integer above ${latest}`);
    const privateKey = createPrivateKey(privateKeyPem ?? generateArchiveKeyPem());
    if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('archive keys are RSA');
    const publicKey = createPublicKey(privateKey);
    const pair: SimArchiveKeyPair = {
      version: v,
      privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      publicKey,
    };
    this.pairs.set(v, pair);
    this.currentVersion = v;
    return pair;
  }

  /** The corp uploads a new public key: messages from now on are sealed under it. */
  rotate(privateKeyPem?: string): SimArchiveKeyPair {
    return this.add(undefined, privateKeyPem);
  }

  /** The pair new messages are sealed with; version 1 is generated when none was added. */
  current(): SimArchiveKeyPair {
    if (this.currentVersion === undefined) this.add(1);
    return this.pairs.get(this.currentVersion!)!;
  }

  get(version: number): SimArchiveKeyPair | undefined {
    return this.pairs.get(version);
  }

  /** Every version's private key, ascending: what the corp configures the archive with. */
  privateKeys(): { version: number; pem: string }[] {
    if (this.currentVersion === undefined) this.current();
    return [...this.pairs.values()].sort((a, b) => a.version - b.version).map((p) => ({ version: p.version, pem: p.privateKeyPem }));
  }

  /** WeCom's sealing of a random key: RSA PKCS#1 v1.5 with the public key of `version`, base64. */
  sealRandomKey(version: number, randomKey: string): string {
    const pair = this.pairs.get(version);
    if (!pair) throw new Error(`no archive key version ${version}`);
    // Public encryption with PKCS#1 v1.5 padding is still allowed in Node 20; only private decryption was refused.
    return publicEncrypt({ key: pair.publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(randomKey, 'utf8')).toString('base64');
  }
}

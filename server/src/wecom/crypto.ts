import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * WeCom callback crypto (wecom-reference.md §1): SHA-1 signature over the sorted
 * [token, timestamp, nonce, encrypt], AES-256-CBC with IV = key[0..16) and PKCS#7 padding
 * to a 32-byte block, plaintext = random(16) ‖ len(4, BE) ‖ msg ‖ receiveid.
 */

const PAD_BLOCK = 32;

export class CallbackCryptoError extends Error {
  constructor(
    public readonly reason: 'bad_signature' | 'stale_timestamp' | 'bad_ciphertext' | 'wrong_receiver' | 'bad_params',
    message: string,
  ) {
    super(message);
    this.name = 'CallbackCryptoError';
  }
}

export function aesKeyFromEncodingKey(encodingAesKey: string): Buffer {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new Error('EncodingAESKey must decode to 32 bytes');
  return key;
}

export function signature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  const joined = [token, timestamp, nonce, encrypt].sort().join('');
  return createHash('sha1').update(joined).digest('hex');
}

function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function encrypt(aesKey: Buffer, message: string, receiveId: string, random: Buffer = randomBytes(16)): string {
  const msg = Buffer.from(message, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length, 0);
  const plain = Buffer.concat([random, len, msg, Buffer.from(receiveId, 'utf8')]);
  const padLen = PAD_BLOCK - (plain.length % PAD_BLOCK);
  const padded = Buffer.concat([plain, Buffer.alloc(padLen, padLen)]);
  const cipher = createCipheriv('aes-256-cbc', aesKey, aesKey.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}

export function decrypt(aesKey: Buffer, encrypted: string): { message: string; receiveId: string } {
  const data = Buffer.from(encrypted, 'base64');
  if (data.length === 0 || data.length % 16 !== 0) {
    throw new CallbackCryptoError('bad_ciphertext', 'ciphertext length is not a multiple of the AES block');
  }
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', aesKey, aesKey.subarray(0, 16));
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw new CallbackCryptoError('bad_ciphertext', 'ciphertext could not be decrypted');
  }
  const pad = plain[plain.length - 1];
  // As in the reference SDKs: a pad byte outside 1..32 means "no padding".
  const unpadded = pad >= 1 && pad <= PAD_BLOCK ? plain.subarray(0, plain.length - pad) : plain;
  if (unpadded.length < 20) throw new CallbackCryptoError('bad_ciphertext', 'plaintext too short');
  const msgLen = unpadded.readUInt32BE(16);
  if (20 + msgLen > unpadded.length) throw new CallbackCryptoError('bad_ciphertext', 'message length out of range');
  return {
    message: unpadded.subarray(20, 20 + msgLen).toString('utf8'),
    receiveId: unpadded.subarray(20 + msgLen).toString('utf8'),
  };
}

export interface CallbackCryptoOptions {
  token: string;
  encodingAesKey: string;
  receiveId: string;
  /** How far (seconds) a callback timestamp may be from now, either way. */
  maxAgeSeconds: number;
  now?: () => number;
}

export interface SignedQuery {
  msg_signature?: string;
  timestamp?: string;
  nonce?: string;
}

/** Verifies and decrypts callbacks for one corp; also produces them (the simulator's driver uses it). */
export class CallbackCrypto {
  private readonly aesKey: Buffer;
  private readonly now: () => number;

  constructor(private readonly options: CallbackCryptoOptions) {
    this.aesKey = aesKeyFromEncodingKey(options.encodingAesKey);
    this.now = options.now ?? (() => Date.now());
  }

  /** Checks signature, timestamp window and receiveid; returns the decrypted message. */
  open(query: SignedQuery, encrypted: string): string {
    const { msg_signature: sig, timestamp, nonce } = query;
    if (!sig || !timestamp || !nonce || !encrypted) {
      throw new CallbackCryptoError('bad_params', 'msg_signature, timestamp, nonce and the encrypted payload are required');
    }
    if (!/^\d{1,12}$/.test(timestamp)) throw new CallbackCryptoError('bad_params', 'timestamp is not a unix time');
    if (!signaturesEqual(signature(this.options.token, timestamp, nonce, encrypted), sig)) {
      throw new CallbackCryptoError('bad_signature', 'signature mismatch');
    }
    const age = Math.abs(this.now() / 1000 - Number(timestamp));
    if (age > this.options.maxAgeSeconds) {
      throw new CallbackCryptoError('stale_timestamp', `timestamp is ${Math.round(age)} s away from server time`);
    }
    const { message, receiveId } = decrypt(this.aesKey, encrypted);
    if (receiveId !== this.options.receiveId) {
      throw new CallbackCryptoError('wrong_receiver', 'receiveid does not match the configured corp id');
    }
    return message;
  }

  /** Encrypts and signs a message as WeCom would deliver it. */
  seal(message: string, timestamp = String(Math.floor(this.now() / 1000)), nonce = randomBytes(6).toString('hex')) {
    const encrypted = encrypt(this.aesKey, message, this.options.receiveId);
    return {
      encrypt: encrypted,
      timestamp,
      nonce,
      msg_signature: signature(this.options.token, timestamp, nonce, encrypted),
    };
  }
}

import fs from 'node:fs';
import path from 'node:path';
import { CallbackCrypto, CallbackCryptoError, aesKeyFromEncodingKey, decrypt, encrypt, signature } from '../src/wecom/crypto';

const vector = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, 'fixtures/wecom-official-callback-vector.json'), 'utf8'),
);

describe('WeCom callback crypto against the official vector', () => {
  const atVectorTime = (ts: string) => () => Number(ts) * 1000;

  it('computes the official URL-verification signature and decrypts echostr', () => {
    const v = vector.urlVerification;
    expect(signature(vector.token, v.timestamp, v.nonce, v.echostr)).toBe(v.msg_signature);
    const crypto = new CallbackCrypto({
      token: vector.token,
      encodingAesKey: vector.encodingAESKey,
      receiveId: vector.corpId,
      maxAgeSeconds: 600,
      now: atVectorTime(v.timestamp),
    });
    expect(crypto.open(v, v.echostr)).toBe(v.expectedReply);
  });

  it('verifies and decrypts the official event POST', () => {
    const v = vector.eventPost;
    expect(signature(vector.token, v.timestamp, v.nonce, v.encrypt)).toBe(v.msg_signature);
    const key = aesKeyFromEncodingKey(vector.encodingAESKey);
    const { message, receiveId } = decrypt(key, v.encrypt);
    expect(message).toBe(v.expectedPlaintext);
    expect(receiveId).toBe(v.expectedReceiveId);
  });

  it('round-trips messages of every padding length (block size 32)', () => {
    const key = aesKeyFromEncodingKey(vector.encodingAESKey);
    for (let len = 0; len < 70; len++) {
      const msg = '线'.repeat(len % 5) + 'x'.repeat(len);
      const sealed = encrypt(key, msg, vector.corpId);
      expect(decrypt(key, sealed)).toEqual({ message: msg, receiveId: vector.corpId });
    }
  });

  describe('rejections', () => {
    const v = vector.eventPost;
    const make = (now = atVectorTime(v.timestamp), receiveId = vector.corpId) =>
      new CallbackCrypto({ token: vector.token, encodingAesKey: vector.encodingAESKey, receiveId, maxAgeSeconds: 300, now });

    const reason = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(CallbackCryptoError);
        return (e as CallbackCryptoError).reason;
      }
      throw new Error('expected a rejection');
    };

    it('forged signature', () => {
      expect(reason(() => make().open({ ...v, msg_signature: '0'.repeat(40) }, v.encrypt))).toBe('bad_signature');
    });
    it('signature of another payload', () => {
      expect(reason(() => make().open(v, v.encrypt.replace(/^R/, 'S')))).toBe('bad_signature');
    });
    it('stale timestamp (signature valid, clock an hour later)', () => {
      const later = () => (Number(v.timestamp) + 3600) * 1000;
      expect(reason(() => make(later).open(v, v.encrypt))).toBe('stale_timestamp');
    });
    it('wrong corp id', () => {
      expect(reason(() => make(undefined, 'wwSomeOtherCorp').open(v, v.encrypt))).toBe('wrong_receiver');
    });
    it('missing parameters', () => {
      expect(reason(() => make().open({ timestamp: v.timestamp, nonce: v.nonce }, v.encrypt))).toBe('bad_params');
    });
    it('ciphertext that is not AES blocks, correctly signed', () => {
      const junk = Buffer.from('not a ciphertext').toString('base64') + 'AA==';
      const sig = signature(vector.token, v.timestamp, v.nonce, junk);
      expect(reason(() => make().open({ ...v, msg_signature: sig }, junk))).toBe('bad_ciphertext');
    });
  });
});

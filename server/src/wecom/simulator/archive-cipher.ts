import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * How the simulator seals `encrypt_chat_msg` with a message's random key, and opens it again (the
 * simulator adapter's DecryptData). WeCom's own DecryptData cipher is undocumented
 * (wecom-reference.md §7), so this is the simulator's own: AES-256-GCM keyed by SHA-256 of the
 * random key string, `base64(iv(12) | ciphertext | tag(16))`. GCM rather than CBC so that opening
 * with a wrong random key fails its tag check (SDK error 10006) instead of yielding garbage.
 * Nothing outside the simulator and its adapter may depend on this format.
 */

const IV_BYTES = 12;
const TAG_BYTES = 16;

const aesKey = (randomKey: string) => createHash('sha256').update(randomKey, 'utf8').digest();

export function sealChatMsg(randomKey: string, json: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', aesKey(randomKey), iv);
  const body = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
}

/** The message JSON; throws when `sealed` is malformed or was not sealed with `randomKey`. */
export function openChatMsg(randomKey: string, sealed: string): string {
  const raw = Buffer.from(sealed, 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('encrypt_chat_msg is too short');
  const decipher = createDecipheriv('aes-256-gcm', aesKey(randomKey), raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
}

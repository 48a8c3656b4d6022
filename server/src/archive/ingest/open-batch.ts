import type { ArchiveServices } from '../archive-services';
import type { ArchivedMessage } from '../messages/archived-message';
import { FinanceSdkError, SealedMessage } from '../sdk/finance-sdk';

export interface OpenedMessage {
  seq: number;
  msgid: string;
  message: ArchivedMessage;
}

/** The first message of a batch that did not open, and why (the Finance SDK's code). */
export interface OpenFailure {
  seq: number;
  msgid: string;
  code: number;
  reason: string;
}

/**
 * Opens a pulled batch in seq order: each message's random key with the private key of its
 * `publickey_ver` (threads, keys/random-key-opener.ts), then its content with DecryptData. It
 * stops at the first message that does not open and returns the ones before it: the batch is
 * stored up to there and the archive waits at that message (a missing key version is configured,
 * a transient SDK failure passes) instead of moving past it and losing it.
 */
export async function openBatch(services: Pick<ArchiveServices, 'opener' | 'sdk'>, sealed: readonly SealedMessage[]): Promise<{ opened: OpenedMessage[]; failure: OpenFailure | null }> {
  const keys = await services.opener.open(sealed.map((m) => ({ version: m.publickey_ver, encryptRandomKey: m.encrypt_random_key })));
  const opened: OpenedMessage[] = [];
  for (let i = 0; i < sealed.length; i++) {
    const { seq, msgid } = sealed[i];
    const key = keys[i];
    if (!key.ok) return { opened, failure: { seq, msgid, code: key.error.code, reason: key.error.message } };
    let json: string;
    try {
      json = await services.sdk.decryptData(key.randomKey, sealed[i].encrypt_chat_msg);
    } catch (error) {
      const code = error instanceof FinanceSdkError ? error.code : 10003;
      return { opened, failure: { seq, msgid, code, reason: (error as Error).message } };
    }
    let message: ArchivedMessage;
    try {
      message = JSON.parse(json) as ArchivedMessage;
    } catch {
      return { opened, failure: { seq, msgid, code: 10002, reason: 'the opened message is not JSON' } };
    }
    if (!message || typeof message !== 'object' || typeof message.msgid !== 'string') {
      return { opened, failure: { seq, msgid, code: 10002, reason: 'the opened message has no msgid' } };
    }
    opened.push({ seq, msgid: message.msgid, message });
  }
  return { opened, failure: null };
}

/**
 * The chat archive's (会话内容存档) access to WeCom, as WeCom's native Finance SDK offers it
 * (libWeWorkFinanceSdk_C.so; wecom-reference.md §7): pulling sealed messages after a `seq`,
 * opening one with its random key, and downloading media in chunks. Two implementations: the
 * native adapter (the official library through koffi, off the main event loop) and the simulator
 * adapter (tests and demo mode, sealing with real RSA key pairs). Everything above this interface
 * — keys, ingestion, storage — is the same for both.
 */

/** One sealed message of GetChatData's `chatdata[]`. */
export interface SealedMessage {
  seq: number;
  msgid: string;
  /** Which of the corp's archive key pairs sealed the random key. */
  publickey_ver: number;
  /** base64 of the random key, RSA-encrypted (PKCS#1 v1.5) with that version's public key. */
  encrypt_random_key: string;
  encrypt_chat_msg: string;
}

/** One chunk of GetMediaData: at most 512 KB; call again with `outIndexBuf` until `isFinish`. */
export interface MediaChunk {
  data: Buffer;
  outIndexBuf: string;
  isFinish: boolean;
}

export interface PullOptions {
  /** socks5://host:port or http://host:port, when WeCom is reached through a proxy. */
  proxy?: string;
  /** user:pass for the proxy. */
  proxyPassword?: string;
  /** Seconds. */
  timeoutSeconds?: number;
}

/** An SDK call that failed: its code (10000–10011, wecom-reference.md §7) and what it means. */
export class FinanceSdkError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(`finance SDK error ${code}: ${message}`);
    this.name = 'FinanceSdkError';
  }

  /** Network, parse and system errors (10001–10003) are worth trying again; the rest are not. */
  get retryable(): boolean {
    return this.code >= 10001 && this.code <= 10003;
  }
}

export interface FinanceSdk {
  /** Messages after `seq` (not including it), at most `limit` (≤ 1000), oldest first. */
  getChatData(seq: number, limit: number, options?: PullOptions): Promise<SealedMessage[]>;
  /** The message's JSON, opened with the random key (already RSA-decrypted). */
  decryptData(randomKey: string, encryptChatMsg: string): Promise<string>;
  /** One chunk of a media file; `indexBuf` is '' for the first. */
  getMediaData(sdkFileId: string, indexBuf: string, options?: PullOptions): Promise<MediaChunk>;
  /** Frees the SDK instance (the native library's DestroySdk). */
  close(): Promise<void>;
}

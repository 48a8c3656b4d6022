import type { WecomClient } from '../wecom/client';
import type { ArchiveKeyRing } from './keys/key-ring';
import type { RandomKeyOpener } from './keys/random-key-opener';
import type { MediaStore } from './media/media-store';
import type { FinanceSdk } from './sdk/finance-sdk';

/**
 * What the chat archive works with when it is on (ARCHIVE_SECRET set, or demo mode): built once
 * per process by archive/start-archive.ts and kept on AppContext.archive. Absent, the archive's
 * task, job and routes do nothing and say so.
 */
export interface ArchiveServices {
  /** Pulling, DecryptData, media: the native Finance SDK, or the simulator's. */
  sdk: FinanceSdk;
  /** The corp's archive private keys by publickey_ver. */
  keys: ArchiveKeyRing;
  /** Opens random keys with those keys, off the main event loop (ARCHIVE_DECRYPT_THREADS). */
  opener: RandomKeyOpener;
  /** The msgaudit HTTP APIs, with the 会话存档 secret's token (one client per secret). */
  wecom: WecomClient;
  /** Where media files go: local disk or S3-compatible storage. */
  media: MediaStore;
}

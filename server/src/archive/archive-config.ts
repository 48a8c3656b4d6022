import path from 'node:path';
import type { AppConfig } from '../config';

/** The chat archive's settings (ARCHIVE_* variables; README "Chat archive"). */
export interface ArchiveConfig {
  /** The 会话内容存档 secret; the archive is on when it is set (or in demo mode). */
  secret: string;
  /** node-cron expression of the safety-net pull (msgaudit_notify pulls at once). */
  pullCron: string;
  /** Messages per GetChatData call, 1–1000. */
  pullLimit: number;
  /** Days archived content is kept; older messages and their media are deleted. 0 keeps them. */
  retentionDays: number;
  /** Minutes a customer may wait for an answer before their rep is alerted; 0: no alerts. */
  waitingAlertMinutes: number;
  /** Threads that open random keys (pure-JS RSA, ~25 ms each); 0: on the main thread. */
  decryptThreads: number;
  /**
   * Where pulls go: WeCom's native Finance SDK (FINANCE_SDK_PATH), or a WeCom simulator's archive
   * over HTTP (ARCHIVE_SIMULATOR_URL: benchmarks and staging against the simulator; keys still from ARCHIVE_KEYS_DIR).
   */
  simulatorUrl?: string;
  /** socks5://host:port or http://host:port when WeCom is reached through a proxy, and its user:pass. */
  proxy?: string;
  proxyPassword?: string;
  media: {
    store: 'disk' | 's3';
    /** Disk store: where files go. */
    dir: string;
    /** Larger files are not downloaded (the message says so). */
    maxBytes: number;
    s3?: { endpoint?: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string; forcePathStyle: boolean };
  };
}

export const ARCHIVE_DEFAULTS: ArchiveConfig = {
  secret: '',
  pullCron: '*/5 * * * *',
  pullLimit: 1000,
  retentionDays: 180,
  waitingAlertMinutes: 30,
  decryptThreads: 1,
  media: { store: 'disk', dir: path.resolve('data/archive-media'), maxBytes: 20 * 1024 * 1024 },
};

/** The archive settings in force: the configured ones, defaults for what a test's config leaves out. */
export function archiveConfigOf(config: Pick<AppConfig, 'archive'>): ArchiveConfig {
  const given = config.archive ?? {};
  return { ...ARCHIVE_DEFAULTS, ...given, media: { ...ARCHIVE_DEFAULTS.media, ...(given.media ?? {}) } };
}

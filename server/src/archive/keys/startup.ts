import path from 'node:path';
import { configDir } from '../../util/config-file';
import type { ArchiveKeyRing } from './key-ring';
import { loadArchiveKeyDir } from './load-key-dir';

/**
 * Where the archive's keys are read at start-up. The archive is on when ARCHIVE_SECRET (the
 * 会话存档 secret) is set; then the keys must be there and sound, or the service refuses to start
 * naming the file, rather than failing on the first message hours later. Off, nothing is read, so
 * a corp without the archive needs no key files. Demo mode takes its keys from the simulator
 * instead (ArchiveKeyRing.fromPems over the simulator's key pairs), not from here.
 */

/** ARCHIVE_KEYS_DIR, or config/archive-keys (in XIANSUO_CONFIG_DIR when set). */
export function archiveKeysDir(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.ARCHIVE_KEYS_DIR?.trim();
  return given ? path.resolve(given) : path.join(configDir(), 'archive-keys');
}

export const archiveEnabled = (env: NodeJS.ProcessEnv = process.env) => Boolean(env.ARCHIVE_SECRET?.trim());

/** The key ring when the archive is enabled, else null. Throws naming a broken or missing key file. */
export function loadArchiveKeysAtStartup(env: NodeJS.ProcessEnv = process.env): ArchiveKeyRing | null {
  if (!archiveEnabled(env)) return null;
  return loadArchiveKeyDir(archiveKeysDir(env));
}

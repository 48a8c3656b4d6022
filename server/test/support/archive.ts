import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppConfig } from '../../src/config';
import { ChatMessage } from '../../src/archive/messages/chat-message.entity';
import type { Harness } from './harness';

/** The 会话存档 secret the test simulators accept. */
export const ARCHIVE_SECRET = 'archive-secret-for-tests-0003';

/**
 * A harness config with the chat archive on, reading the simulator's archive (pass the simulator
 * as `runtime.archiveSimulator`, which startHarnessWithArchive does): one RSA thread, media in a
 * fresh temp directory, the schedule off (tests pull when they mean to).
 */
export function archiveTestConfig(overrides: Partial<NonNullable<AppConfig['archive']>> = {}): Partial<AppConfig> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-archive-test-'));
  return {
    archive: {
      secret: ARCHIVE_SECRET,
      decryptThreads: 1,
      // Once a year (Jan 1st, 00:00): in effect never, so only tests trigger pulls.
      pullCron: '0 0 1 1 *',
      ...overrides,
      media: { store: 'disk', dir, maxBytes: 20 * 1024 * 1024, ...(overrides.media ?? {}) },
    },
  };
}

/** The stored messages, oldest first. */
export async function storedMessages(h: Harness): Promise<ChatMessage[]> {
  return h.runtime.ctx.dataSource.getRepository(ChatMessage).find({ order: { seq: 'ASC' } });
}

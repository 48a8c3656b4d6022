import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { assertSafeMediaKey } from './media-key';
import type { MediaStore } from './media-store';

/**
 * Media files on local disk under one directory (ARCHIVE_MEDIA_DIR), a key being a relative path
 * in it. A file is written whole under a temporary name beside its final one, flushed, then
 * renamed: a crash mid-write leaves a `.part` file, never a truncated file under the real name.
 * The content type is not kept: the archive derives it from the key's extension again.
 */
export class DiskMediaStore implements MediaStore {
  readonly kind = 'disk';
  private readonly root: string;

  constructor(dir: string) {
    this.root = path.resolve(dir);
  }

  async put(key: string, data: Buffer, _contentType: string): Promise<void> {
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.part`);
    try {
      const handle = await fs.open(temp, 'wx');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, target);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }

  /** The key's file, after checking it stays inside the directory (twice: by its segments, then resolved). */
  private pathOf(key: string): string {
    assertSafeMediaKey(key);
    const resolved = path.resolve(this.root, key);
    if (!resolved.startsWith(this.root + path.sep)) throw new Error(`media key ${JSON.stringify(key)} refused: outside the media directory`);
    return resolved;
  }
}

import type { ArchiveConfig } from '../archive-config';
import { DiskMediaStore } from './disk-media-store';
import type { MediaStore } from './media-store';
import { S3MediaStore } from './s3-media-store';

/** The media store the settings name (ARCHIVE_MEDIA_STORE): a directory on disk, or an S3-compatible bucket. */
export function mediaStoreFor(config: ArchiveConfig): MediaStore {
  if (config.media.store === 's3') {
    // config.ts refuses ARCHIVE_MEDIA_STORE=s3 without its settings; this guards a hand-built config.
    if (!config.media.s3) throw new Error('the archive media store is s3 but no ARCHIVE_S3_* settings are given');
    return new S3MediaStore(config.media.s3);
  }
  return new DiskMediaStore(config.media.dir);
}

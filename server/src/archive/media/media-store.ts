/**
 * Where archived media files (images, files, voice notes) are kept: local disk by default,
 * S3-compatible storage as an option (archive/media/). Keys are made by the archive
 * (`<yyyy-mm>/<msgid>.<ext>`); a store only keeps bytes under them.
 */
export interface MediaStore {
  /** 'disk' or 's3', for logs and the setup check. */
  readonly kind: string;
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  /** The file's bytes, or null when there is none under the key. */
  get(key: string): Promise<Buffer | null>;
  /** Deleting a key that is not there is not an error (retention runs again after a crash). */
  delete(key: string): Promise<void>;
}

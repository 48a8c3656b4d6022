import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { ArchiveConfig } from '../archive-config';
import { assertSafeMediaKey } from './media-key';
import type { MediaStore } from './media-store';

export type S3MediaSettings = NonNullable<ArchiveConfig['media']['s3']>;

/**
 * Media files in an S3-compatible bucket (AWS S3, MinIO, Tencent COS, Aliyun OSS through their S3
 * endpoints), a key being the object key. Checksums are sent and checked only where the S3 API
 * requires them: the SDK's newer default (CRC32 headers on every upload) is refused by several
 * S3-compatible services, and the archive checks each file's md5 against WeCom's itself.
 */
export class S3MediaStore implements MediaStore {
  readonly kind = 's3';
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(settings: S3MediaSettings, options: { requestTimeoutMs?: number; maxAttempts?: number } = {}) {
    this.bucket = settings.bucket;
    this.client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: options.requestTimeoutMs ?? 60_000 },
    });
  }

  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    assertSafeMediaKey(key);
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: data, ContentType: contentType, ContentLength: data.length }));
  }

  async get(key: string): Promise<Buffer | null> {
    assertSafeMediaKey(key);
    try {
      const reply = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!reply.Body) return Buffer.alloc(0);
      return Buffer.from(await reply.Body.transformToByteArray());
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertSafeMediaKey(key);
    try {
      // S3 answers 204 for a key that is not there; some compatible services answer 404 instead.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  /** Closes the client's sockets (tests, shutdown). */
  close(): void {
    this.client.destroy();
  }
}

/** NoSuchKey, or a bare 404 (a GET's error body is not always parsed into NoSuchKey). */
function isMissing(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata?.httpStatusCode === 404;
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ARCHIVE_DEFAULTS, type ArchiveConfig } from '../src/archive/archive-config';
import { deleteStoredMedia } from '../src/archive/media/delete-stored-media';
import { DiskMediaStore } from '../src/archive/media/disk-media-store';
import { mediaStoreFor } from '../src/archive/media/media-store-from-config';
import { mediaKeyFor } from '../src/archive/media/media-naming';
import { S3MediaStore } from '../src/archive/media/s3-media-store';
import { S3TestServer } from './support/s3-test-server';

/**
 * The archive's two media stores: a directory on disk (whole files only, keys that cannot leave
 * it) and an S3-compatible bucket, the latter against a real HTTP server that checks the AWS
 * Signature V4 of every request.
 */

const listFiles = (dir: string): string[] =>
  fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));

describe('disk media store', () => {
  let base: string;
  let dir: string;
  let store: DiskMediaStore;

  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-media-'));
    dir = path.join(base, 'media');
    store = new DiskMediaStore(dir);
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  it('keeps bytes under a key, overwrites whole, leaves no temporary file, and answers null for a missing key', async () => {
    const first = randomBytes(700 * 1024);
    await store.put('2026-03/1234_5678_external.pdf', first, 'application/pdf');
    expect((await store.get('2026-03/1234_5678_external.pdf'))!.equals(first)).toBe(true);
    const second = randomBytes(10);
    await store.put('2026-03/1234_5678_external.pdf', second, 'application/pdf');
    expect((await store.get('2026-03/1234_5678_external.pdf'))!.equals(second)).toBe(true);
    expect(listFiles(dir)).toEqual([path.join('2026-03', '1234_5678_external.pdf')]);
    expect(await store.get('2026-03/missing.jpg')).toBeNull();
    expect(await store.get('2099-01/missing.jpg')).toBeNull();
  });

  it('delete removes the file, and deleting again (or a key never stored) is fine', async () => {
    await store.put('2026-03/a.jpg', Buffer.from('jpeg'), 'image/jpeg');
    await store.delete('2026-03/a.jpg');
    expect(await store.get('2026-03/a.jpg')).toBeNull();
    await expect(store.delete('2026-03/a.jpg')).resolves.toBeUndefined();
    await expect(store.delete('2030-01/never.jpg')).resolves.toBeUndefined();
  });

  it('refuses keys that could leave the directory, for put, get and delete, and writes nothing outside', async () => {
    fs.writeFileSync(path.join(base, 'outside.txt'), 'keep me');
    const bad = ['../outside.txt', '2026-03/../../outside.txt', '/etc/passwd', '..\\outside.txt', '2026-03\\a.jpg', 'a//b.jpg', './a.jpg', '', 'C:/x.jpg', 'a\u0000.jpg'];
    for (const key of bad) {
      await expect(store.put(key, Buffer.from('x'), 'text/plain')).rejects.toThrow(/media key .* refused/);
      await expect(store.get(key)).rejects.toThrow(/refused/);
      await expect(store.delete(key)).rejects.toThrow(/refused/);
    }
    expect(fs.readFileSync(path.join(base, 'outside.txt'), 'utf8')).toBe('keep me');
    expect(fs.readdirSync(base)).toEqual(['outside.txt']);
  });

  it('a write that fails leaves neither the file nor its temporary copy', async () => {
    // A directory where the file should go: the rename fails after the temporary file was written.
    fs.mkdirSync(path.join(dir, '2026-03', 'taken.jpg'), { recursive: true });
    await expect(store.put('2026-03/taken.jpg', randomBytes(100), 'image/jpeg')).rejects.toThrow();
    expect(fs.readdirSync(path.join(dir, '2026-03'))).toEqual(['taken.jpg']);
  });
});

describe('S3 media store against an S3-compatible server', () => {
  const settings = { region: 'cn-east-1', bucket: 'xiansuo-archive', accessKeyId: 'AKIDTESTARCHIVE0001', secretAccessKey: 'test-secret-key-for-archive-media', forcePathStyle: true };
  let s3: S3TestServer;
  let store: S3MediaStore;

  beforeAll(async () => {
    s3 = await S3TestServer.start(settings);
    store = new S3MediaStore({ ...settings, endpoint: s3.endpoint }, { maxAttempts: 1 });
  });
  afterAll(async () => {
    store?.close();
    await s3?.close();
  });

  it('put, get, delete; a missing key is null; deleting twice is fine; every request signed by the configured key', async () => {
    const bytes = randomBytes(600 * 1024);
    await store.put('2026-03/111_222_external.mp4', bytes, 'video/mp4');
    expect(s3.objects.get('2026-03/111_222_external.mp4')).toMatchObject({ contentType: 'video/mp4' });
    expect((await store.get('2026-03/111_222_external.mp4'))!.equals(bytes)).toBe(true);
    expect(await store.get('2026-03/nothing.jpg')).toBeNull();
    await store.delete('2026-03/111_222_external.mp4');
    expect(s3.objects.has('2026-03/111_222_external.mp4')).toBe(false);
    expect(await store.get('2026-03/111_222_external.mp4')).toBeNull();
    await expect(store.delete('2026-03/111_222_external.mp4')).resolves.toBeUndefined();
    expect(s3.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['PUT 200', 'GET 200', 'GET 404', 'DELETE 204', 'GET 404', 'DELETE 204']);
    expect(new Set(s3.requests.map((r) => r.accessKeyId))).toEqual(new Set([settings.accessKeyId]));
  });

  it('a key made from an old base64 msgid (/, +, =) round-trips under its own name', async () => {
    const key = mediaKeyFor('CAQQluDa4QUY0On2rYSAgAMgzPrShAE+/x==', Date.parse('2026-03-31T20:00:00Z'), 'jpg');
    // 04:00 on April 1st in China: the month is China's.
    expect(key).toBe('2026-04/CAQQluDa4QUY0On2rYSAgAMgzPrShAE%2B%2Fx%3D%3D.jpg');
    await store.put(key, Buffer.from('image'), 'image/jpeg');
    expect([...s3.objects.keys()]).toContain(key);
    expect((await store.get(key))!.toString()).toBe('image');
  });

  it('a wrong secret is refused by the signature check, a wrong access key by name: errors, not null', async () => {
    const wrongSecret = new S3MediaStore({ ...settings, endpoint: s3.endpoint, secretAccessKey: 'not-the-secret' }, { maxAttempts: 1 });
    const wrongKey = new S3MediaStore({ ...settings, endpoint: s3.endpoint, accessKeyId: 'AKIDSOMEONEELSE' }, { maxAttempts: 1 });
    try {
      await expect(wrongSecret.put('2026-03/x.jpg', Buffer.from('x'), 'image/jpeg')).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
      await expect(wrongSecret.get('2026-03/x.jpg')).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
      await expect(wrongKey.delete('2026-03/x.jpg')).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
      expect(s3.objects.has('2026-03/x.jpg')).toBe(false);
    } finally {
      wrongSecret.close();
      wrongKey.close();
    }
  });

  it('refuses the same unsafe keys as the disk store, before any request', async () => {
    const before = s3.requests.length;
    await expect(store.put('../escape.jpg', Buffer.from('x'), 'image/jpeg')).rejects.toThrow(/refused/);
    await expect(store.get('/abs.jpg')).rejects.toThrow(/refused/);
    expect(s3.requests.length).toBe(before);
  });

  it('mediaStoreFor picks the store the settings name', () => {
    const disk = mediaStoreFor({ ...ARCHIVE_DEFAULTS, media: { ...ARCHIVE_DEFAULTS.media, dir: os.tmpdir() } });
    expect(disk).toBeInstanceOf(DiskMediaStore);
    const s3Config: ArchiveConfig = { ...ARCHIVE_DEFAULTS, media: { ...ARCHIVE_DEFAULTS.media, store: 's3', s3: { ...settings, endpoint: s3.endpoint } } };
    const fromConfig = mediaStoreFor(s3Config);
    expect(fromConfig.kind).toBe('s3');
    (fromConfig as S3MediaStore).close();
    expect(() => mediaStoreFor({ ...ARCHIVE_DEFAULTS, media: { ...ARCHIVE_DEFAULTS.media, store: 's3' } })).toThrow(/ARCHIVE_S3_/);
  });
});

describe('deleteStoredMedia', () => {
  it('deletes every key it can, counts one already gone as deleted, and reports the ones that failed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xiansuo-media-'));
    try {
      const store = new DiskMediaStore(dir);
      const keys = Array.from({ length: 20 }, (_, i) => `2026-01/${i}.jpg`);
      for (const key of keys) await store.put(key, Buffer.from(key), 'image/jpeg');
      const result = await deleteStoredMedia(store, [...keys, '2026-01/gone.jpg', '../bad.jpg', keys[0]]);
      expect(result.deleted.sort()).toEqual([...keys, '2026-01/gone.jpg'].sort());
      expect(result.failed.map((f) => f.key)).toEqual(['../bad.jpg']);
      expect(listFiles(dir)).toEqual([]);
      expect(await deleteStoredMedia(store, [])).toEqual({ deleted: [], failed: [] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

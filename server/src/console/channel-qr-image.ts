import type { Channel } from '../channels/channel.entity';
import type { AppContext } from '../context';
import { HttpError } from '../http/errors';
import { maskPhoneNumbersInText } from '../privacy/phone-numbers';

/** WeCom's codes are a few kilobytes; anything this large is not one. */
const MAX_IMAGE_BYTES = 2 * 1024 * 1024;

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);

export interface QrImage {
  bytes: Buffer;
  /** What the bytes are, read from their first bytes, not from the server's word. */
  type: 'image/png' | 'image/jpeg';
  extension: 'png' | 'jpg';
}

const unavailable = () => new HttpError(502, 'qr_code_unavailable', '暂时无法从企业微信取得二维码图片，请稍后重试');

/**
 * The image of a channel's 「联系我」 QR code, fetched from the `qr_code` URL WeCom gave when the
 * code was made (its image CDN; the simulator's own address in demo mode and tests). Fetched by
 * the server rather than linked, so the console shows and downloads it from its own origin, under
 * the session, with a file name. Only an http(s) URL is followed; the reply must be a PNG or
 * JPEG of at most 2 MB within WeCom's timeout, or the operator is told to try again.
 */
export async function fetchQrImage(ctx: AppContext, channel: Channel): Promise<QrImage> {
  if (!channel.qrCode) throw new HttpError(404, 'no_qr_code', '该渠道没有二维码');
  let url: URL;
  try {
    url = new URL(channel.qrCode);
  } catch {
    throw unavailable();
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !imageHostAllowed(ctx, url)) {
    ctx.logger.warn({ channelId: channel.id, host: url.host }, 'a channel QR code URL on a host that is not WeCom’s image host; not fetched');
    throw unavailable();
  }
  let bytes: Buffer;
  try {
    // No redirects: a QR URL that bounces elsewhere (an internal address) is not followed.
    const reply = await fetch(url, { signal: AbortSignal.timeout(ctx.config.wecomTimeoutMs), redirect: 'error' });
    if (reply.status !== 200 || !reply.body) throw unavailable();
    if (Number(reply.headers.get('content-length') ?? 0) > MAX_IMAGE_BYTES) throw unavailable();
    bytes = await readAtMost(reply.body, MAX_IMAGE_BYTES);
  } catch (error) {
    if (error instanceof HttpError) throw error;
    ctx.logger.warn({ err: error, channelId: channel.id }, 'could not fetch the QR code image of a channel');
    throw unavailable();
  }
  if (bytes.length > MAX_IMAGE_BYTES) throw unavailable();
  if (bytes.subarray(0, PNG_MAGIC.length).equals(PNG_MAGIC)) return { bytes, type: 'image/png', extension: 'png' };
  if (bytes.subarray(0, JPEG_MAGIC.length).equals(JPEG_MAGIC)) return { bytes, type: 'image/jpeg', extension: 'jpg' };
  throw unavailable();
}

/**
 * Where a QR image may be fetched from: WeCom's image CDN (qpic.cn; WeCom's own qq.com hosts), or
 * the host WeCom's API is configured at (the simulator in demo mode and tests). Anything else is
 * refused, so a tampered qr_code cannot make this server fetch from inside its own network.
 */
function imageHostAllowed(ctx: AppContext, url: URL): boolean {
  const host = url.hostname.toLowerCase();
  if (host === 'qpic.cn' || host.endsWith('.qpic.cn') || host.endsWith('.qq.com')) return true;
  return url.host === new URL(ctx.config.wecom.apiBase).host;
}

/** The body, read as a stream and abandoned past `max` bytes (a missing or lying Content-Length included). */
async function readAtMost(body: ReadableStream<Uint8Array>, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw unavailable();
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

/** `渠道-<name>.<ext>`, with what file systems refuse in a name replaced. */
export function qrFileName(channel: Channel, image: QrImage): string {
  // The name goes out in a header, which the reply masking does not see: numbers in it are masked here.
  const safe = maskPhoneNumbersInText(channel.name).replace(/[\\/:*?"<>|\u0000-\u001f\u007f]/g, '_').trim() || String(channel.id);
  return `渠道-${safe}.${image.extension}`;
}

/** Content-Disposition for a download with a Chinese name: an ASCII fallback and the UTF-8 name (RFC 6266). */
export function attachmentHeader(fileName: string, fallback: string): string {
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

import type { Channel } from '../channels/channel.entity';
import type { AppContext } from '../context';
import { HttpError } from '../http/errors';

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
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw unavailable();
  let bytes: Buffer;
  try {
    const reply = await fetch(url, { signal: AbortSignal.timeout(ctx.config.wecomTimeoutMs) });
    if (reply.status !== 200) throw unavailable();
    if (Number(reply.headers.get('content-length') ?? 0) > MAX_IMAGE_BYTES) throw unavailable();
    bytes = Buffer.from(await reply.arrayBuffer());
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

/** `渠道-<name>.<ext>`, with what file systems refuse in a name replaced. */
export function qrFileName(channel: Channel, image: QrImage): string {
  const safe = channel.name.replace(/[\\/:*?"<>|\u0000-\u001f\u007f]/g, '_').trim() || String(channel.id);
  return `渠道-${safe}.${image.extension}`;
}

/** Content-Disposition for a download with a Chinese name: an ASCII fallback and the UTF-8 name (RFC 6266). */
export function attachmentHeader(fileName: string, fallback: string): string {
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

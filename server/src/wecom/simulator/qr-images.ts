import type { ServerResponse } from 'node:http';
import QRCode from 'qrcode';
import type { SimulatorState } from './state';

/**
 * The images behind the `qr_code` URLs of 「联系我」 contact ways. WeCom hosts them on its image
 * CDN; the simulator serves them beside its API, so a console can show the code and a server can
 * download it as WeCom's would be downloaded. Each is a real, scannable QR code (drawn with the
 * `qrcode` package) that names the simulator and the config_id: it cannot add anyone on a phone,
 * and says so when scanned, rather than pretending to be WeCom's.
 */
export const QR_IMAGE_PREFIX = '/wwpic/sim/';

/** The `qr_code` a contact way gets: `<simulator>/wwpic/sim/<config_id>/0`, in the shape of WeCom's. */
export const qrImageUrl = (baseUrl: string, configId: string) => `${baseUrl}${QR_IMAGE_PREFIX}${encodeURIComponent(configId)}/0`;

/** WeCom's own codes are 430 px square; the margin is the quiet zone scanners need. */
const IMAGE_OPTIONS = { type: 'png', width: 430, margin: 2, errorCorrectionLevel: 'M' } as const;

const notFound = (res: ServerResponse) => {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('not found');
};

/**
 * Answers GET /wwpic/sim/<config_id>/0 with the PNG of that contact way's code; 404 for a way
 * that does not exist (deleted, or never made: the simulator keeps no images of its own). False
 * for any other path.
 */
export async function serveQrImage(url: URL, state: SimulatorState, res: ServerResponse): Promise<boolean> {
  if (!url.pathname.startsWith(QR_IMAGE_PREFIX)) return false;
  const match = /^([^/]+)\/0$/.exec(url.pathname.slice(QR_IMAGE_PREFIX.length));
  let configId = '';
  try {
    configId = match ? decodeURIComponent(match[1]) : '';
  } catch {
    configId = '';
  }
  const way = configId ? state.contactWays.get(configId) : undefined;
  if (!way?.qr_code) {
    notFound(res);
    return true;
  }
  const png = await QRCode.toBuffer(`xiansuo-simulator:contact-way:${way.config_id}`, IMAGE_OPTIONS);
  res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length, 'cache-control': 'public, max-age=86400' });
  res.end(png);
  return true;
}

import type { ServerResponse } from 'node:http';
import { crc32, deflateSync } from 'node:zlib';
import QRCode from 'qrcode';
import type { SimulatorState } from './state';

/**
 * The images behind the `qr_code` URLs of 「联系我」 contact ways. WeCom hosts them on its image
 * CDN; the simulator serves them beside its API, so a console can show the code and a server can
 * download it as WeCom's would be downloaded. Each is a real, scannable QR code (its modules
 * from the `qrcode` package) that names the simulator and the config_id: it cannot add anyone on
 * a phone, and says so when scanned, rather than pretending to be WeCom's.
 */
export const QR_IMAGE_PREFIX = '/wwpic/sim/';

/** The `qr_code` a contact way gets: `<simulator>/wwpic/sim/<config_id>/0`, in the shape of WeCom's. */
export const qrImageUrl = (baseUrl: string, configId: string) => `${baseUrl}${QR_IMAGE_PREFIX}${encodeURIComponent(configId)}/0`;

/** WeCom's own codes are about 430 px square. */
const TARGET_PX = 430;
/** The quiet zone scanners need around the code, in modules. */
const QUIET_ZONE = 4;

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * The code as an 8-bit greyscale PNG. Written here with zlib rather than by the package's own
 * PNG writer, which is pure JavaScript and takes seconds per image inside jest.
 */
export function qrPng(text: string): Buffer {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const side = modules.size + 2 * QUIET_ZONE;
  const scale = Math.max(1, Math.floor(TARGET_PX / side));
  const px = side * scale;
  const raw = Buffer.alloc((px + 1) * px, 0xff);
  for (let y = 0; y < px; y++) {
    const row = y * (px + 1);
    raw[row] = 0; // filter: none
    const my = Math.floor(y / scale) - QUIET_ZONE;
    if (my < 0 || my >= modules.size) continue;
    for (let x = 0; x < px; x++) {
      const mx = Math.floor(x / scale) - QUIET_ZONE;
      if (mx >= 0 && mx < modules.size && modules.get(my, mx)) raw[row + 1 + x] = 0;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(px, 0);
  header.writeUInt32BE(px, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const notFound = (res: ServerResponse) => {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('not found');
};

/**
 * Answers GET /wwpic/sim/<config_id>/0 with the PNG of that contact way's code; 404 for a way
 * that does not exist (deleted, or never made: the simulator keeps no images of its own). False
 * for any other path.
 */
export function serveQrImage(url: URL, state: SimulatorState, res: ServerResponse): boolean {
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
  const png = qrPng(`xiansuo-simulator:contact-way:${way.config_id}`);
  res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length, 'cache-control': 'public, max-age=86400' });
  res.end(png);
  return true;
}

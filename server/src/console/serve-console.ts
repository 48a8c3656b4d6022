import fs from 'node:fs';
import path from 'node:path';
import type { Context, Next } from 'koa';
import { replyBuiltFile } from '../http/mask-replies';

/** The repository root: the nearest folder above this file with a package.json (source and compiled alike). */
function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** Where `vite build` puts the console (console/vite.config.ts). */
export const CONSOLE_DIST = path.join(repoRoot(), 'dist', 'console');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.json': 'application/json; charset=utf-8',
};

/**
 * Serves the console's built files under /console, at the same origin as the API. Files under
 * /console/assets/ carry a content hash in their names and are cached for a year; any other path
 * under /console is a page of the single-page app and gets index.html (never cached, so a new
 * build is picked up at once). Nothing outside dist/console is ever read: the path is resolved
 * and must stay inside it. Written here rather than with koa-static, which has no prefix and no
 * fallback to index.html.
 */
export function serveConsole(dist = CONSOLE_DIST) {
  return async (ctx: Context, next: Next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || !(ctx.path === '/console' || ctx.path.startsWith('/console/'))) return next();
    if (ctx.path === '/console') return ctx.redirect('/console/');
    const index = path.join(dist, 'index.html');
    if (!fs.existsSync(index)) {
      ctx.status = 503;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = '管理后台尚未构建：请运行 npm run build:console（npm start 会自动构建）。';
      return;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(ctx.path.slice('/console/'.length));
    } catch {
      ctx.status = 400;
      return;
    }
    const file = path.resolve(dist, relative);
    const inside = file.startsWith(dist + path.sep);
    const isAsset = inside && relative.startsWith('assets/') && fs.existsSync(file) && fs.statSync(file).isFile();
    if (isAsset) {
      replyBuiltFile(ctx);
      ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
      ctx.type = TYPES[path.extname(file)] ?? 'application/octet-stream';
      ctx.body = fs.createReadStream(file);
      return;
    }
    if (relative.startsWith('assets/')) {
      ctx.status = 404;
      return;
    }
    replyBuiltFile(ctx);
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = TYPES['.html'];
    ctx.body = fs.createReadStream(index);
  };
}

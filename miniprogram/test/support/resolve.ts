/** Where the mini-program is, and how WeChat DevTools' 构建 npm finds an npm component. */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const MP_ROOT = path.resolve(__dirname, '../..');

/** npm-style component paths (`tdesign-miniprogram/button/button`) → their files in node_modules. */
export function resolveNpmComponent(spec: string, from: string = MP_ROOT): string | null {
  const parts = spec.split('/');
  const pkg = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const rest = parts.slice(pkg.split('/').length).join('/');
  let manifest: string;
  try {
    manifest = createRequire(path.join(from, 'package.json')).resolve(`${pkg}/package.json`);
  } catch {
    return null;
  }
  const { miniprogram = 'miniprogram_dist' } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { miniprogram?: string };
  return path.join(path.dirname(manifest), miniprogram, rest);
}


import http from 'node:http';
import type Router from '@koa/router';
import { createRouters } from '../../src/app';
import type { AppContext } from '../../src/context';

export interface RouteEntry {
  method: string;
  /** The route's path with every parameter filled in ("/api/admin/leads/1"). */
  path: string;
  /** The path as declared ("/api/admin/leads/:id"). */
  pattern: string;
}

/** Every route the app serves, read from the routers themselves, so routes added later are covered. */
export function routeTable(ctx: AppContext): RouteEntry[] {
  const entries: RouteEntry[] = [];
  const seen = new Set<string>();
  for (const router of createRouters(ctx) as Router[]) {
    for (const layer of router.stack) {
      for (const method of layer.methods) {
        if (method === 'HEAD') continue;
        // A sub-router's `get('/')` under a prefix is declared "/leads/" but served as "/leads".
        const pattern = String(layer.path).replace(/(.)\/$/, '$1');
        const key = `${method} ${pattern}`;
        if (seen.has(key)) continue;
        seen.add(key);
        entries.push({ method, pattern, path: pattern.replace(/:[A-Za-z]+/g, '1') });
      }
    }
  }
  return entries;
}

const toggleCase = (s: string) => [...s].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('');
const percentEncode = (s: string) => [...s].map((c) => (/[a-z]/i.test(c) ? `%${c.charCodeAt(0).toString(16).toUpperCase()}` : c)).join('');

/**
 * The spellings an attacker tries for one path: case, trailing and doubled slashes,
 * percent-encoded letters (single and double), dot segments, backslashes, matrix parameters.
 */
export function spellingsOf(path: string): string[] {
  const parts = path.split('/'); // ['', 'api', 'admin', 'leads', '1']
  const first = parts[1] ?? '';
  const second = parts[2] ?? '';
  const rest = parts.slice(2).join('/');
  const variants = [
    path.toUpperCase(),
    toggleCase(path),
    path.replace(/^\/api\//, '/Api/'),
    `${path}/`,
    `/${path}`,
    path.replace(/\/(?=[^/]*$)/, '//'),
    `/${percentEncode(first)}/${rest}`,
    parts.length > 2 ? `/${first}/${percentEncode(second)}/${parts.slice(3).join('/')}`.replace(/\/$/, '') : `/${percentEncode(first)}`,
    `/${first.replace(/^(.)/, (c) => `%25${c.charCodeAt(0).toString(16)}`)}/${rest}`.replace(/\/$/, ''),
    `/${first}/./${rest}`.replace(/\/$/, ''),
    `/${first}/x/../${rest}`.replace(/\/$/, ''),
    `/x/..${path}`,
    `/${first}\\${rest}`.replace(/\\$/, ''),
    `/${first};x=1/${rest}`.replace(/\/$/, ''),
    `${path}%2F`,
    `${path}.`,
  ];
  return [...new Set(variants)].filter((v) => v !== path);
}

/** One raw HTTP request: the path goes on the wire exactly as given (fetch would normalise it). */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, headers: { ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Which credential a request path needs, decided from the path in its most permissive reading.
 *
 * Routers match one exact spelling (see http/router.ts), but authentication must not depend on
 * how a router happens to match: the gate reads the path the way the most lenient router,
 * proxy or framework could (percent-decoded, any case, slashes collapsed, dot segments resolved)
 * and demands the credential of every surface that reading falls under. A spelling that no
 * router serves still gets a 401 here, which is harmless; a spelling that some router serves
 * can never skip the check.
 */
export type Surface = 'admin' | 'mp' | 'console' | 'public';

/** Surfaces by path prefix, checked in order; the first that covers the path wins. */
const SURFACES: Array<{ prefix: string; surface: Surface }> = [
  { prefix: '/api/mp', surface: 'mp' },
  { prefix: '/api/admin', surface: 'admin' },
  { prefix: '/api/console', surface: 'console' },
];

/**
 * Signing in (and refreshing a session) is how a member gets a credential, so neither can require
 * one: those paths, spelled exactly (the console's sign-in: the redirect to WeCom and its return). Their lenient readings ("/api/mp/leads/..%2Flogin") are the
 * mini-program surface like any other.
 */
const PUBLIC_EXACT = new Set(['/api/mp/login', '/api/mp/refresh', '/api/console/auth/login', '/api/console/auth/callback']);

/** Percent-decodes until stable (double encoding included), leaving malformed escapes as they are. */
function decodeFully(path: string): string {
  let current = path;
  for (let i = 0; i < 4; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      // A malformed escape: decode the well-formed ones and keep the rest literally.
      next = current.replace(/%[0-9A-Fa-f]{2}/g, (escape) => {
        try {
          return decodeURIComponent(escape);
        } catch {
          return escape;
        }
      });
    }
    if (next === current) break;
    current = next;
  }
  return current;
}

/**
 * The path as the most lenient reader would see it: decoded, lower case, no empty or dot segments.
 * `resolveDots: false` drops ".." segments instead of climbing: the reading of a router that
 * matches the raw path, where "/api/mp/leads/..%2F..%2Fhealthz" is still a lead route.
 */
export function lenientPath(rawPath: string, resolveDots = true): string {
  const decoded = decodeFully(rawPath).replace(/\\/g, '/').toLowerCase();
  const segments: string[] = [];
  for (const raw of decoded.split('/')) {
    // Matrix parameters ("admin;x"), control characters, and the trailing dots and spaces some
    // servers ignore ("admin." = "admin") are all dropped before the segment is judged.
    const segment = raw.split(';')[0].replace(/[\u0000-\u001f\u007f]/g, '');
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (resolveDots) segments.pop();
      continue;
    }
    segments.push(segment.replace(/[\s.]+$/, '') || segment);
  }
  return `/${segments.join('/')}`;
}

export function surfaceOf(rawPath: string): Surface {
  if (PUBLIC_EXACT.has(rawPath)) return 'public';
  // Every reading counts: a path some reader places under a surface needs its credential.
  const readings = [lenientPath(rawPath), lenientPath(rawPath, false)];
  for (const { prefix, surface } of SURFACES) {
    if (readings.some((path) => path === prefix || path.startsWith(`${prefix}/`))) return surface;
  }
  return 'public';
}

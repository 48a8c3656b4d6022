/**
 * One call to WeCom for the setup check, answered as WeCom answered it. Deliberately not the
 * WecomClient: the client keeps tokens in the shared cache, refreshes them and retries, which is
 * what the service needs and exactly what would hide a broken secret or an untrusted IP from a
 * diagnosis (a cached token stays valid for up to 2 hours after its secret was reset). Each check
 * is a handful of calls an operator asks for by hand, so they go out directly.
 */
export type ProbeResult =
  | { ok: true; data: Record<string, unknown> }
  | { ok: false; errcode: number; errmsg: string }
  | { ok: false; errcode: null; errmsg: string; unreachable: true };

export interface ProbeTarget {
  apiBase: string;
  timeoutMs: number;
}

export async function probeWecom(
  target: ProbeTarget,
  method: 'GET' | 'POST',
  path: string,
  query: Record<string, string>,
  body?: unknown,
): Promise<ProbeResult> {
  const url = new URL(`/cgi-bin/${path}`, target.apiBase);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  try {
    const response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    const data = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (response.status !== 200 || !data || typeof data !== 'object') {
      return { ok: false, errcode: null, errmsg: `HTTP ${response.status}`, unreachable: true };
    }
    const errcode = Number(data.errcode ?? 0);
    if (errcode !== 0) return { ok: false, errcode, errmsg: String(data.errmsg ?? '') };
    return { ok: true, data };
  } catch (error) {
    // Only the message: the URL carries the secret or the token.
    return { ok: false, errcode: null, errmsg: (error as Error).name === 'TimeoutError' ? 'timeout' : (error as Error).message, unreachable: true };
  }
}

/** The caller's address WeCom names in a 60020 errmsg ("…, from ip: 203.0.113.7, more info at …"), if it does. */
export function ipFromErrmsg(errmsg: string): string | null {
  const match = /from ip:\s*([0-9A-Fa-f.:]+[0-9A-Fa-f])/i.exec(errmsg);
  return match ? match[1] : null;
}

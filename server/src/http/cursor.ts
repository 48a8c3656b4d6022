import { badRequest } from './errors';

/**
 * Keyset cursors, the `nextCursor` of list replies: the sort keys of the last item a page showed,
 * behind a tag that names the list, as base64url of "tag:key[:key…]". Opaque to clients, but the
 * format is part of the API: a cursor a client holds must keep working across upgrades. The tag
 * stops one list's cursor from being taken by another.
 */
export function encodeCursor(tag: string, keys: readonly number[]): string {
  return Buffer.from([tag, ...keys].join(':')).toString('base64url');
}

/** The `keyCount` keys of a cursor encodeCursor(tag, …) made; anything else is a 400. */
export function decodeCursor(tag: string, cursor: string, keyCount: number): number[] {
  const [head, ...keys] = Buffer.from(cursor, 'base64url').toString().split(':');
  if (head !== tag || keys.length !== keyCount || !keys.every((key) => /^\d+$/.test(key))) throw badRequest('cursor is invalid');
  return keys.map(Number);
}

/**
 * One page from a keyset query that asked for limit + 1 rows: the extra row only says there is
 * more, so the page is the first `limit` and the cursor points after its last row.
 */
export function keysetPage<T>(rows: T[], limit: number, cursorAfter: (last: T) => string): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { page, nextCursor: rows.length > limit ? cursorAfter(page[page.length - 1]) : null };
}

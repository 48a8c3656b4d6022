/** Empty pages read past at most (each is up to 8,000 messages the server looked through). */
export const MAX_EMPTY_PAGES = 10;

/**
 * A page of a word search may come back empty with a nextCursor: the server reads the archive in
 * fixed windows and found nothing in these (docs/api.md §26). Keep reading back until a page has
 * hits or the messages end, so a rare word is not shown as not found.
 */
export async function firstPageWithHits<R extends { items: unknown[]; nextCursor: string | null }>(fetch: (before: string | undefined) => Promise<R>, before?: string): Promise<R> {
  let reply = await fetch(before);
  for (let round = 1; round < MAX_EMPTY_PAGES && reply.items.length === 0 && reply.nextCursor; round++) reply = await fetch(reply.nextCursor);
  return reply;
}

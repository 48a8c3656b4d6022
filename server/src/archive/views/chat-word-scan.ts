import type { SelectQueryBuilder } from 'typeorm';
import { likeContains } from '../../leads/queries';
import { maskPhoneNumbersInText } from '../../privacy/phone-numbers';
import type { ChatMessage } from '../messages/chat-message.entity';
import { olderThanSql, type ChatPosition } from './chat-cursor';

/**
 * A word search over chat messages that matches the text as the reader sees it: masked.
 *
 * Why: the database only has the unmasked text, so a LIKE on it answers "do the hidden digits
 * of 138****5678 contain 12?" — walked digit by digit ("80"…"89", then on), that reads the number.
 * So a message is a hit only when its masked text (NFKC, lower-cased) contains the word; the
 * LIKE on the raw text stays, as the pre-filter the database runs.
 *
 * Paging must not leak either. Reading "the next 2×limit LIKE matches" until a page fills would
 * stop (and hand out a cursor) at a point that depends on how many rows matched only in hidden
 * digits, and a client can forge a cursor to aim that at one message. So the scan walks windows
 * of WINDOW messages whatever they say: each window's far end is found without the word, the
 * LIKE reads inside it, and the masked text decides. A reply then depends only on the visible
 * text: a page ends at its last hit when there are more hits, at a window's end when the
 * request's windows are used up (a short, even empty, page with a cursor: the client reads on),
 * or at the end of the messages.
 */

/** Messages per window: one LIKE read, at most this many rows. */
const WINDOW = 1000;
/**
 * Windows per request: a rare word costs at most WINDOW × MAX_WINDOWS messages a request, a few
 * years of one lead's chats, so a short page is rare on a lead and only a rare word across a big
 * archive asks the client to read on.
 */
const MAX_WINDOWS = 8;

/** Text as the search compares it: compatibility forms folded (｜ＡＢ｜, ¹), lower-cased. */
export const searchForm = (text: string) => text.normalize('NFKC').toLowerCase();

/** Whether a message's text, as shown (masked), contains the word (already in searchForm). */
export const showsWord = (content: string | null, word: string) => content !== null && searchForm(maskPhoneNumbersInText(content)).includes(word);

/** Lowercased both sides: case-insensitive whatever the column's collation. */
export const wordLikeSql = (word: string) => ({ sql: "LOWER(m.content) LIKE :word ESCAPE '!'", params: { word: likeContains(word.toLowerCase()) } });

/** The SQL for "at or newer than `position`" on the message alias `m`. */
const notOlderThanSql = (position: ChatPosition) => ({
  sql: '(m.sent_at > :windowSentAt OR (m.sent_at = :windowSentAt AND m.id >= :windowId))',
  params: { windowSentAt: position.sentAt, windowId: position.id },
});

export interface WordScan {
  /** The hits, newest first, at most `limit`. */
  rows: ChatMessage[];
  /** Where the next page starts (older than this), or null when every message was read. */
  next: ChatPosition | null;
}

/**
 * One page of the messages `scope()` selects (a fresh builder on alias `m` each call, with its
 * joins and conditions) whose masked text contains `q`, newest first, older than `before`.
 */
export async function scanForWord(scope: () => SelectQueryBuilder<ChatMessage>, q: string, before: ChatPosition | undefined, limit: number): Promise<WordScan> {
  const word = searchForm(q);
  const like = wordLikeSql(word);
  const hits: ChatMessage[] = [];
  let from = before;
  for (let window = 0; window < MAX_WINDOWS; window++) {
    const end = await windowEnd(scope, from);
    const qb = scope().andWhere(like.sql, like.params);
    if (from) {
      const older = olderThanSql(from);
      qb.andWhere(older.sql, older.params);
    }
    if (end) {
      const newer = notOlderThanSql(end);
      qb.andWhere(newer.sql, newer.params);
    }
    const rows = await qb.orderBy('m.sentAt', 'DESC').addOrderBy('m.id', 'DESC').limit(WINDOW).getMany();
    for (const row of rows) {
      if (!showsWord(row.content, word)) continue;
      hits.push(row);
      // One hit past the page says there is more: the page ends at its own last hit.
      if (hits.length > limit) return { rows: hits.slice(0, limit), next: positionOf(hits[limit - 1]) };
    }
    if (!end) return { rows: hits, next: null };
    from = end;
  }
  return { rows: hits, next: from ?? null };
}

const positionOf = (m: { sentAt: number | string; id: number | string }): ChatPosition => ({ sentAt: Number(m.sentAt), id: Number(m.id) });

/** The WINDOW-th message older than `from` (the window's oldest), or undefined when fewer are left. */
async function windowEnd(scope: () => SelectQueryBuilder<ChatMessage>, from: ChatPosition | undefined): Promise<ChatPosition | undefined> {
  const qb = scope();
  if (from) {
    const older = olderThanSql(from);
    qb.andWhere(older.sql, older.params);
  }
  const row = await qb
    .select('m.sent_at', 'sentAt')
    .addSelect('m.id', 'id')
    .orderBy('m.sent_at', 'DESC')
    .addOrderBy('m.id', 'DESC')
    .offset(WINDOW - 1)
    .limit(1)
    .getRawOne<{ sentAt: number | string; id: number | string }>();
  return row ? positionOf(row) : undefined;
}

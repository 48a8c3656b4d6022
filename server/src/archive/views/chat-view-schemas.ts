import { z } from 'zod';
import { countDigits } from '../../privacy/phone-numbers';

/**
 * What the chat read routes accept (docs/api.md, "Chat archive"): a search word, the page cursor
 * (`before` = the previous page's nextCursor) and a page size. Messages are Chinese: both surfaces
 * show them as they are.
 */

/**
 * A search word, 1–50 characters, at most two digits, in its NFKC form (｜ＡＢ｜ is AB, ¹³ is 13:
 * the database's collation compares them so, and the digit rule must count what it compares).
 * A hit must show the word in the masked text (chat-word-scan.ts); the digit rule stays as a
 * second wall, since the LIKE that pre-filters still runs on the unmasked text.
 */
const searchWord = z
  .string({ error: '请输入搜索词' })
  .transform((text) => text.normalize('NFKC'))
  .pipe(
    z
      .string()
      .trim()
      .min(1, '请输入搜索词')
      .max(50, '搜索词最多 50 个字')
      .refine((text) => countDigits(text) <= 2, '搜索词最多包含 2 个数字'),
  );

/** An empty box (`?q=`) is no filter, as the mini-program's cleared search sends it. */
const optionalWord = z.preprocess((value) => (value === '' ? undefined : value), searchWord.optional());

const before = z.string({ error: '翻页位置无效，请刷新后重试' }).max(200, '翻页位置无效，请刷新后重试').optional();
const limit = z.coerce
  .number({ error: '每页条数须为 1 到 100 的整数' })
  .int('每页条数须为 1 到 100 的整数')
  .min(1, '每页条数须为 1 到 100 的整数')
  .max(100, '每页条数须为 1 到 100 的整数')
  .default(30);

export const leadChatsQuery = z.strictObject({ q: optionalWord, before, limit });
export type LeadChatsQuery = z.output<typeof leadChatsQuery>;

export const chatSearchQuery = z.strictObject({ q: searchWord, before, limit });
export type ChatSearchQuery = z.output<typeof chatSearchQuery>;

/** An id in the path, plain digits, else 400 naming what it is. */
export const pathId = (what: string) => z.string().regex(/^[1-9][0-9]{0,14}$/, `${what}必须是正整数`).transform(Number);

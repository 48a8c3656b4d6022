/** Length in UTF-8 bytes, as WeCom counts its limits (a Chinese character is 3 bytes). */
export const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** `s` cut to at most `max` UTF-8 bytes, never in the middle of a character; `…` marks a cut. */
export function utf8Truncate(s: string, max: number): string {
  if (utf8Bytes(s) <= max) return s;
  let out = '';
  let used = 0;
  const budget = max - utf8Bytes('…');
  for (const ch of s) {
    const n = utf8Bytes(ch);
    if (used + n > budget) break;
    out += ch;
    used += n;
  }
  return `${out}…`;
}

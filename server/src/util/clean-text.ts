/**
 * Characters no name, note or attribute needs, stripped from everything Xiansuo takes in
 * (request bodies, WeCom replies, imported cells) before it is validated or stored:
 * - C0 controls and DEL, NUL included (tab, line feed and carriage return are kept: notes have lines);
 * - bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the marks
 *   U+200E/U+200F, which make "王先生‮4321" read differently from what is stored;
 * - zero-width characters (U+200B–U+200D, U+2060–U+2064, U+FEFF) that hide inside names.
 */
const UNWANTED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

export function cleanText(text: string): string {
  return text.replace(UNWANTED, '');
}

/** Deepest nesting a JSON value taken in may have; nothing Xiansuo accepts needs more than a few levels. */
export const MAX_JSON_DEPTH = 32;

export class TooDeepError extends Error {
  constructor() {
    super(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    this.name = 'TooDeepError';
  }
}

/**
 * A copy of a parsed JSON value with every string (and key) cleaned. Throws TooDeepError past
 * MAX_JSON_DEPTH, so later code (validation, JSON.stringify) never recurses into a value that
 * could exhaust the stack.
 */
export function cleanJson(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_JSON_DEPTH) throw new TooDeepError();
  if (Array.isArray(value)) return value.map((item) => cleanJson(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // A "__proto__" key from JSON.parse is an own property; copying it by assignment would set
    // the prototype instead. defineProperty keeps it a plain (and harmless) property.
    Object.defineProperty(out, cleanText(key), { value: cleanJson(item, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

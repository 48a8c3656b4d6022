/**
 * Characters no name, note or attribute needs, stripped from everything Xiansuo takes in
 * (request bodies, WeCom replies, imported cells) before it is validated or stored:
 * - control characters, C0 and C1 (NUL, the 8-bit CSI U+009B…), except tab, line feed and
 *   carriage return: notes have lines;
 * - format characters (\p{Cf}): bidi marks, embeddings, overrides and isolates (U+061C,
 *   U+200E/F, U+202A–U+202E, U+2066–U+2069), zero-width characters, the soft hyphen, U+180E;
 * - line and paragraph separators (U+2028/2029), which break JSON-in-HTML and log lines;
 * - invisible fillers that render as nothing inside a name: U+034F, Hangul fillers.
 * So "王先生‮4321" is stored as what it reads as.
 */
const UNWANTED = /[\p{Cc}\p{Cf}\u2028\u2029\u034F\u115F\u1160\u3164\uFFA0]/gu;
const KEPT_CONTROLS = new Set(['\t', '\n', '\r']);

export function cleanText(text: string): string {
  return text.replace(UNWANTED, (char) => (KEPT_CONTROLS.has(char) ? char : ''));
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

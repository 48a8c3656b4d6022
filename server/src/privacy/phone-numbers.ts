/**
 * Mainland mobile numbers in free text, in the spellings people actually type: plain
 * (13987654321), with a country code (+86, 0086, 86, （+86）), grouped with spaces or dashes
 * (139 8765 4321, 139-8765-4321), or in full-width digits (１３９８７６５４３２１).
 *
 * PIPL: a number is personal data wherever it sits (a name field, a company, a note, an
 * imported attribute), so replies mask every one of them, not just the `phone` field.
 */

const DIGIT = '[0-9\\uFF10-\\uFF19]';
// At most one separator between two digits: a space (also no-break and ideographic) or a dash.
const SEP = '[ \\t\\u00A0\\u3000\\-\\u2010-\\u2014\\uFF0D]?';
const COUNTRY_CODE = `(?:(?:[+\\uFF0B]|00)?8${SEP}6|[(\\uFF08][+\\uFF0B]?86[)\\uFF09])${SEP}`;
/** 1, then 3–9, then nine more digits; not part of a longer run of digits. */
const MOBILE = new RegExp(
  `(?<!${DIGIT})(${COUNTRY_CODE})?([1\\uFF11]${SEP}[3-9\\uFF13-\\uFF19](?:${SEP}${DIGIT}){9})(?!${SEP}${DIGIT})`,
  'g',
);

const toAsciiDigits = (s: string) => s.replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 0x30));

/** 13987654321 → 139****4321 (the country code, if any, is kept as typed). */
function maskOne(_match: string, countryCode: string | undefined, number: string): string {
  const digits = toAsciiDigits(number).replace(/\D/g, '');
  return `${countryCode ?? ''}${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

/** Every mobile number in `text`, masked; text without one comes back as the same string. */
export function maskPhoneNumbersInText(text: string): string {
  // Cheap pre-check: a mobile number needs at least 11 digits somewhere in the text.
  let digits = 0;
  for (let i = 0; i < text.length && digits < 11; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || (c >= 0xff10 && c <= 0xff19)) digits++;
  }
  if (digits < 11) return text;
  return text.replace(MOBILE, maskOne);
}

/** Whether `text` holds an unmasked mobile number (for tests and checks). */
export function containsPhoneNumber(text: string): boolean {
  MOBILE.lastIndex = 0;
  const found = MOBILE.test(text);
  MOBILE.lastIndex = 0;
  return found;
}

/** An integer that is itself a mobile number (13000000000–19999999999), e.g. an imported cell. */
const isMobileNumber = (n: number) => Number.isInteger(n) && n >= 13_000_000_000 && n <= 19_999_999_999;

/**
 * A copy of a JSON-like value with every mobile number masked: in strings, in object keys, and
 * numbers that are themselves mobile numbers (they become masked strings). Other objects
 * (dates, buffers) are returned as they are.
 */
export function maskPhoneNumbersDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPhoneNumbersInText(value);
  if (typeof value === 'number') return isMobileNumber(value) ? maskPhoneNumbersInText(String(value)) : value;
  // Replies are built by presenters and are shallow; a guard keeps a pathological value from
  // exhausting the stack (it is then masked as text).
  if (depth > 64) return maskPhoneNumbersInText(JSON.stringify(value) ?? '');
  if (Array.isArray(value)) return value.map((item) => maskPhoneNumbersDeep(item, depth + 1));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[maskPhoneNumbersInText(key)] = maskPhoneNumbersDeep(item, depth + 1);
    return out;
  }
  return value;
}

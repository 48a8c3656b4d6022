/**
 * Mainland mobile numbers in free text, in the spellings people actually type: plain
 * (13987654321), with a country or trunk prefix (+86, 0086, 86, 0), grouped by spaces, dashes,
 * dots, slashes or brackets (139 8765 4321, (139)8765-4321, 139.8765.4321), in full-width or
 * other scripts' digits, or in Chinese numerals (一三九八七六五四三二一).
 *
 * PIPL: a number is personal data wherever it sits (a name field, a company, a note, an imported
 * attribute), so replies mask every one of them, not just the `phone` field. Masking a little
 * too much (a reference number that reads like a mobile) is the acceptable mistake.
 *
 * How: find runs of digits joined by at most three separator characters; a run is groups of
 * digits. Any consecutive groups whose digits read as a mobile, optionally after a prefix, are
 * one — including a group on its own — and its middle four digits become `*`, wherever they sit
 * in the run. A group of digits is never split: a long unbroken number (an order id, a timestamp)
 * is not a mobile even if a mobile hides inside it.
 */

const CHINESE_DIGITS: Record<string, number> = { 〇: 0, 零: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** The value of a digit in any script, or undefined for anything else. */
function digitValue(char: string): number | undefined {
  const cp = char.codePointAt(0)!;
  if (cp >= 0x30 && cp <= 0x39) return cp - 0x30;
  if (char in CHINESE_DIGITS) return CHINESE_DIGITS[char];
  if (cp >= 0x2460 && cp <= 0x2468) return cp - 0x2460 + 1; // ①–⑨
  if (cp === 0x24ea) return 0; // ⓪
  // Superscript and subscript digits (¹³⁸, ₁₃₈) read as digits and MariaDB's collation matches
  // them to 0–9: their compatibility form is the plain digit.
  if (/\p{No}/u.test(char)) {
    const plain = char.normalize('NFKC');
    return plain.length === 1 && plain >= '0' && plain <= '9' ? plain.charCodeAt(0) - 0x30 : undefined;
  }
  if (!/\p{Nd}/u.test(char)) return undefined;
  // Unicode lays out each script's digits 0–9 in a row: count the digits before this one.
  let before = 0;
  while (before < 60 && /\p{Nd}/u.test(String.fromCodePoint(cp - before - 1))) before++;
  return before % 10;
}

const DIGIT_CLASS = '\\p{Nd}〇零一二三四五六七八九\\u2460-\\u2468\\u24EA\\u00B2\\u00B3\\u00B9\\u2070\\u2074-\\u2079\\u2080-\\u2089';

/**
 * How many digits `text` holds in any spelling a number can be typed in (full-width, other
 * scripts, super- and subscript, circled, fractions, Chinese numerals): what a search box that
 * must not read numbers digit by digit counts, since the database's collation matches ｜１｜, ¹ or
 * ₁ to 1. Counted on the NFKC form (⑩ is two digits, as "10" is), where anything Unicode calls
 * a number (\p{N}) counts.
 */
export function countDigits(text: string): number {
  let n = 0;
  for (const char of text.normalize('NFKC')) if (/\p{N}/u.test(char) || digitValue(char) !== undefined) n++;
  return n;
}
/** Whitespace of any kind, dashes, dots, slashes, brackets, plus signs, commas, invisible format characters. */
const SEP_CLASS = '\\s\\p{Cf}\\u00AD\\u034F\\-\\u2010-\\u2015\\u2212\\uFE63\\uFF0D.\\u3002\\uFF0E/_~\\u00B7\\u30FB()\\uFF08\\uFF09+\\uFF0B,\\uFF0C';
const RUN = new RegExp(`[${DIGIT_CLASS}](?:[${SEP_CLASS}]{0,3}[${DIGIT_CLASS}])*`, 'gu');
const MOBILE = /^(0086|86|0)?(1[3-9]\d{9})$/;

interface Group {
  /** Offsets (in the run, by code unit) of each digit character. */
  offsets: number[];
  digits: string;
}

function groupsOf(run: string): Group[] {
  const groups: Group[] = [];
  let current: Group | null = null;
  let offset = 0;
  for (const char of run) {
    const value = digitValue(char);
    if (value === undefined) current = null;
    else {
      if (!current) groups.push((current = { offsets: [], digits: '' }));
      current.offsets.push(offset);
      current.digits += String(value);
    }
    offset += char.length;
  }
  return groups;
}

/** Offsets (in the run) of the digits to hide: the middle four of every mobile in it. */
function hiddenOffsets(run: string): Set<number> {
  const groups = groupsOf(run);
  const hidden = new Set<number>();
  for (let start = 0; start < groups.length; start++) {
    let digits = '';
    const offsets: number[] = [];
    for (let end = start; end < groups.length && digits.length < 15; end++) {
      digits += groups[end].digits;
      offsets.push(...groups[end].offsets);
      const match = MOBILE.exec(digits);
      if (!match) continue;
      const prefix = match[1]?.length ?? 0;
      for (let i = prefix + 3; i < prefix + 7; i++) hidden.add(offsets[i]);
      start = end; // the groups of this mobile are used up
      break;
    }
  }
  return hidden;
}

function maskRun(run: string): string {
  const hidden = hiddenOffsets(run);
  if (!hidden.size) return run;
  let out = '';
  let offset = 0;
  for (const char of run) {
    out += hidden.has(offset) ? '*' : char;
    offset += char.length;
  }
  return out;
}

/** Whether `text` could hold a mobile at all: at least 11 digit-like characters. */
function mayHoldMobile(text: string): boolean {
  let digits = 0;
  for (const char of text) if (digitValue(char) !== undefined && ++digits >= 11) return true;
  return false;
}

/** Every mobile number in `text`, masked (139 **** 4321 keeps its spelling); other text unchanged. */
export function maskPhoneNumbersInText(text: string): string {
  if (!mayHoldMobile(text)) return text;
  return text.replace(RUN, maskRun);
}

/** Whether `text` holds an unmasked mobile number (for tests and checks). */
export function containsPhoneNumber(text: string): boolean {
  if (!mayHoldMobile(text)) return false;
  for (const [run] of text.matchAll(RUN)) if (hiddenOffsets(run).size) return true;
  return false;
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

/** Longest pattern a chat rule may have: long enough for a phone or WeChat-id pattern, short enough to read. */
export const MAX_PATTERN_LENGTH = 200;

/** How a pattern is compiled everywhere (validation and matching): case-insensitive, Unicode. */
export const PATTERN_FLAGS = 'iu';

interface GroupFrame {
  /** Holds a quantifier (its own or a nested group's). */
  quantified: boolean;
  /** Holds an alternation (its own or a nested group's). */
  alternates: boolean;
}

/**
 * Why a chat-rule pattern is refused, or null when it is fine: it must compile (flags iu), stay
 * under MAX_PATTERN_LENGTH, and avoid the shapes that make a backtracking engine take exponential
 * time on a message crafted (or typed by chance) against it:
 * - back-references (\1, \k<name>): no engine bound applies to them;
 * - a group repeated without bound (*, +, {n,}) that itself holds a quantifier or an
 *   alternation, as in (a+)+, (\d{3})*, (a|ab)+: the same text splits between the inner and
 *   outer repetition in exponentially many ways.
 * What is left is at worst polynomial in the message length, and the matcher reads at most the
 * first MAX_TEXT_LENGTH characters of a message (match-rules.ts). This is a syntactic screen, not
 * a proof: a test runs every shipped pattern against adversarial text under a time budget.
 */
export function patternProblem(source: string): string | null {
  if (source.length > MAX_PATTERN_LENGTH) return `pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(source, PATTERN_FLAGS);
  } catch (error) {
    return `pattern does not compile: ${(error as Error).message}`;
  }
  // The pattern compiled with the u flag, so its syntax is strict: a `{` outside a class or an
  // escape is a quantifier, and every escape and class is well formed.
  const stack: GroupFrame[] = [{ quantified: false, alternates: false }];
  /** The group that just closed, while the next token may be its quantifier. */
  let closed: GroupFrame | null = null;
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1];
      if (/[1-9]/.test(next) || next === 'k') return 'pattern uses a back-reference (\\1, \\k<name>), which can take exponential time';
      // \p{…}, \P{…} and \u{…} carry braces that are not quantifiers.
      i = /[pPu]/.test(next) && source[i + 2] === '{' ? source.indexOf('}', i) + 1 : i + 2;
      closed = null;
      continue;
    }
    if (c === '[') {
      i = endOfClass(source, i);
      closed = null;
      continue;
    }
    if (c === '(') {
      stack.push({ quantified: false, alternates: false });
      i = afterGroupOpening(source, i);
      closed = null;
      continue;
    }
    if (c === ')') {
      closed = stack.pop()!;
      const parent = stack[stack.length - 1];
      parent.quantified ||= closed.quantified;
      parent.alternates ||= closed.alternates;
      i++;
      continue;
    }
    if (c === '|') {
      stack[stack.length - 1].alternates = true;
      closed = null;
      i++;
      continue;
    }
    const quantifier = quantifierAt(source, i);
    if (quantifier) {
      if (quantifier.unbounded && closed && (closed.quantified || closed.alternates)) {
        return 'pattern repeats a group without bound (*, +, {n,}) that itself holds a quantifier or an alternation, which can take exponential time: write (?:\\d{4})+ as \\d{4,}, (?:a|b)+ as [ab]';
      }
      stack[stack.length - 1].quantified = true;
      i = quantifier.end;
      if (source[i] === '?') i++; // lazy
      closed = null;
      continue;
    }
    closed = null;
    i++;
  }
  return null;
}

/** The index after the character class opening at `start`. */
function endOfClass(source: string, start: number): number {
  let i = start + 1;
  while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** The index after `(`, `(?:`, `(?=`, `(?!`, `(?<=`, `(?<!` or `(?<name>`. */
function afterGroupOpening(source: string, start: number): number {
  if (source[start + 1] !== '?') return start + 1;
  const kind = source[start + 2];
  if (kind === ':' || kind === '=' || kind === '!') return start + 3;
  if (kind === '<' && (source[start + 3] === '=' || source[start + 3] === '!')) return start + 4;
  if (kind === '<') return source.indexOf('>', start) + 1;
  return start + 2;
}

function quantifierAt(source: string, i: number): { end: number; unbounded: boolean } | null {
  const c = source[i];
  if (c === '*' || c === '+') return { end: i + 1, unbounded: true };
  if (c === '?') return { end: i + 1, unbounded: false };
  if (c !== '{') return null;
  const braces = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
  if (!braces) return null;
  return { end: i + braces[0].length, unbounded: braces[2] !== undefined && braces[3] === '' };
}

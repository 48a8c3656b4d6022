import type { ChatRule } from './chat-rules-schema';
import { PATTERN_FLAGS } from './pattern-safety';

/** Rules read this much of a message: any rule's words sit in the first lines, and it bounds the time a pattern can take. */
export const MAX_TEXT_LENGTH = 4000;

/** What a rule's match shows at most (a pattern can match a long stretch). */
const MAX_MATCHED_LENGTH = 40;

export interface RuleMatch {
  id: string;
  label: string;
  /** The keyword as configured, or the text a pattern matched (clipped): shown to people, so mask phone numbers. */
  matched: string;
}

interface CompiledRule {
  /** Folded as the text is, for the substring test. */
  keywords: Array<{ folded: string; said: string }>;
  patterns: RegExp[];
}

/**
 * Full-width letters and digits as narrow ones (Chinese keyboards type ＶＸ and １３８ as readily
 * as vx and 138), and compatibility forms as their plain letters: what keywords and patterns read.
 */
const fold = (text: string) => text.normalize('NFKC');

/** Compiled once per rule object: the loaded rules live for the process. */
const compiledRules = new WeakMap<ChatRule, CompiledRule>();

function compiled(rule: ChatRule): CompiledRule {
  let found = compiledRules.get(rule);
  if (!found) {
    found = {
      keywords: rule.keywords.map((k) => ({ folded: fold(k).toLowerCase(), said: k })).filter((k) => k.folded.length > 0),
      // Global, so a pattern that can match the empty string is read on to its first real match.
      patterns: rule.patterns.map((p) => new RegExp(p, `${PATTERN_FLAGS}g`)),
    };
    compiledRules.set(rule, found);
  }
  return found;
}

function firstMatch(rule: CompiledRule, folded: string, lower: string): string | null {
  for (const keyword of rule.keywords) if (lower.includes(keyword.folded)) return keyword.said;
  for (const pattern of rule.patterns) {
    for (const m of folded.matchAll(pattern)) if (m[0].trim()) return m[0].trim().slice(0, MAX_MATCHED_LENGTH);
  }
  return null;
}

/**
 * The rules `text` matches, in the rules' order, each once with what matched it first: a keyword
 * (case-insensitive substring) before a pattern (flags iu), both on the folded text. Pure: the
 * subscribers decide what a match means.
 */
export function matchRules(rules: readonly ChatRule[], text: string | null | undefined): RuleMatch[] {
  if (!text || !rules.length) return [];
  const folded = fold(text.slice(0, MAX_TEXT_LENGTH));
  const lower = folded.toLowerCase();
  const matches: RuleMatch[] = [];
  for (const rule of rules) {
    const matched = firstMatch(compiled(rule), folded, lower);
    if (matched !== null) matches.push({ id: rule.id, label: rule.label, matched });
  }
  return matches;
}

import type { Lead } from '../lead.entity';
import type { AssignmentRule, RuleCondition } from '../../teams/assignment-rule.entity';

/** What a rule can look at: the lead, and its tags by name. */
export interface LeadFacts {
  lead: Pick<Lead, 'channelId' | 'source' | 'attributes'>;
  tags: string[];
}

const norm = (v: unknown) => String(v).trim().toLowerCase();
const asList = (value: RuleCondition['value']) => (Array.isArray(value) ? value : [value]).map(norm);

/**
 * The lead's values for a condition field: channelId, tag (all tags), source, or an attribute
 * key (region, industry, productLine, or any custom key). Missing = no values = no match.
 */
function valuesOf(field: string, facts: LeadFacts): string[] {
  const { lead, tags } = facts;
  switch (field) {
    case 'channelId':
      return lead.channelId == null ? [] : [norm(lead.channelId)];
    case 'tag':
      return tags.map(norm);
    case 'source':
      return [norm(lead.source)];
    default: {
      const value = lead.attributes?.[field];
      return value === undefined || value === null || value === '' ? [] : [norm(value)];
    }
  }
}

/** eq: equal to the value; in: equal to one of the values; contains: has the value as a substring (case-insensitive). */
export function conditionMatches(condition: RuleCondition, facts: LeadFacts): boolean {
  const values = valuesOf(condition.field, facts);
  const wanted = asList(condition.value);
  switch (condition.op) {
    case 'eq':
      return values.some((v) => v === wanted[0]);
    case 'in':
      return values.some((v) => wanted.includes(v));
    case 'contains':
      return values.some((v) => wanted.some((w) => v.includes(w)));
    default:
      return false;
  }
}

/** All conditions must hold; a rule without conditions catches every lead that reaches it. */
export const ruleMatches = (rule: AssignmentRule, facts: LeadFacts) => rule.enabled && rule.conditions.every((c) => conditionMatches(c, facts));

/** Rules are tried by position (then id); the first match wins. */
export function firstMatchingRule(rules: AssignmentRule[], facts: LeadFacts): AssignmentRule | null {
  const ordered = [...rules].sort((a, b) => a.position - b.position || a.id - b.id);
  return ordered.find((rule) => ruleMatches(rule, facts)) ?? null;
}

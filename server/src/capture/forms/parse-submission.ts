import { FieldProblem, Identity, normalizeIdentity } from '../contact-fields';
import type { FormsConfig } from './forms-config';

export interface ParsedSubmission {
  identity: Identity;
  name: string | null;
  company: string | null;
  message: string | null;
  /** Everything else the form sent, bounded: lead attributes and the stored submission. */
  custom: Record<string, string>;
  utm: { source: string | null; medium: string | null; campaign: string | null; term: string | null; content: string | null };
  pageUrl: string | null;
  referrer: string | null;
}

export type ParseOutcome = { kind: 'ok'; submission: ParsedSubmission } | { kind: 'honeypot' } | { kind: 'invalid'; problems: FieldProblem[] };

/** Known fields and their maximum length; aliases map onto the same field. */
const KNOWN: Record<string, { field: string; max: number }> = {
  name: { field: 'name', max: 64 },
  phone: { field: 'phone', max: 32 },
  mobile: { field: 'phone', max: 32 },
  email: { field: 'email', max: 128 },
  unionid: { field: 'unionid', max: 128 },
  company: { field: 'company', max: 128 },
  message: { field: 'message', max: 500 },
  utm_source: { field: 'utm_source', max: 128 },
  utm_medium: { field: 'utm_medium', max: 128 },
  utm_campaign: { field: 'utm_campaign', max: 128 },
  utm_term: { field: 'utm_term', max: 128 },
  utm_content: { field: 'utm_content', max: 128 },
  pageUrl: { field: 'pageUrl', max: 512 },
  page_url: { field: 'pageUrl', max: 512 },
  referrer: { field: 'referrer', max: 512 },
};

const CUSTOM_NAME = /^[\p{L}\p{N}_.-]{1,64}$/u;

const tooLong = (field: string, max: number): FieldProblem => ({ field, code: 'too_long', message: `内容过长（最多 ${max} 个字符）` });

function asText(value: unknown): string | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Validates a public form body (already parsed from JSON or urlencoded). Field problems carry an
 * English code and a Chinese message: the customer's own page shows them.
 */
export function parseSubmission(body: unknown, headerReferrer: string | undefined, config: FormsConfig): ParseOutcome {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { kind: 'invalid', problems: [{ field: '', code: 'invalid_body', message: '提交的内容格式不正确' }] };
  }
  const input = body as Record<string, unknown>;
  if (config.honeypotField && asText(input[config.honeypotField])) return { kind: 'honeypot' };

  const problems: FieldProblem[] = [];
  const known: Record<string, string | null> = {};
  const custom: Record<string, string> = {};
  let customSeen = 0;
  const addCustom = (key: string, value: unknown) => {
    customSeen++;
    const text = asText(value);
    if (!CUSTOM_NAME.test(key)) problems.push({ field: key.slice(0, 64), code: 'invalid_field_name', message: '字段名不合法' });
    else if (text === undefined) problems.push({ field: key, code: 'invalid_value', message: '字段内容格式不正确' });
    else if (text && text.length > config.maxFieldLength) problems.push(tooLong(key, config.maxFieldLength));
    else if (text) custom[key] = text;
  };

  for (const [key, value] of Object.entries(input)) {
    if (key === config.honeypotField) continue;
    if (key === 'fields' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) addCustom(k, v);
      continue;
    }
    const spec = KNOWN[key];
    if (!spec) {
      addCustom(key, value);
      continue;
    }
    const text = asText(value);
    if (text === undefined) problems.push({ field: spec.field, code: 'invalid_value', message: '字段内容格式不正确' });
    else if (text && text.length > spec.max) problems.push(tooLong(spec.field, spec.max));
    else if (text) known[spec.field] = text;
  }
  if (customSeen > config.maxCustomFields) {
    problems.push({ field: 'fields', code: 'too_many_fields', message: `自定义字段过多（最多 ${config.maxCustomFields} 个）` });
  }

  const { identity, problems: identityProblems } = normalizeIdentity({ phone: known.phone, email: known.email, unionid: known.unionid });
  // A contact field that is too long already has its problem; "missing contact" would only confuse.
  for (const p of identityProblems) if (!(p.code === 'missing_contact' && problems.some((q) => ['phone', 'email', 'unionid'].includes(q.field)))) problems.push(p);
  if (problems.length) return { kind: 'invalid', problems };

  const referrer = known.referrer ?? (headerReferrer?.trim().slice(0, 512) || null);
  return {
    kind: 'ok',
    submission: {
      identity,
      name: known.name ?? null,
      company: known.company ?? null,
      message: known.message ?? null,
      custom,
      utm: {
        source: known.utm_source ?? null,
        medium: known.utm_medium ?? null,
        campaign: known.utm_campaign ?? null,
        term: known.utm_term ?? null,
        content: known.utm_content ?? null,
      },
      pageUrl: known.pageUrl ?? null,
      referrer,
    },
  };
}

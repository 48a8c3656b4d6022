/**
 * Normalising the identity fields that forms and imports bring (phone, email, unionid), so the
 * same person typed two ways still resolves to one lead.
 *
 * Phones: a Chinese mobile is stored as its 11 digits (spaces, dashes, dots, brackets and a
 * +86 / 0086 / 86 prefix removed) and must match 1[3-9]\d{9}. Anything else is kept only if it
 * still looks like a phone once separators are gone: 7–15 digits with an optional leading +
 * (landlines such as 021-12345678 → 02112345678, foreign numbers such as +1 415 555 0100 →
 * +14155550100). An 11-digit number starting with 1 that is not a valid mobile is rejected
 * rather than kept, since it is almost always a typo of one.
 */

const CN_MOBILE = /^1[3-9]\d{9}$/;

export type FieldProblem = { field: string; code: string; message: string };

export function normalizePhone(raw: string | null | undefined): { phone: string | null; problem?: FieldProblem } {
  const text = (raw ?? '').trim();
  if (!text) return { phone: null };
  let s = text.replace(/[\s\-().\u3000（）－—]/g, '');
  if (!/^\+?\d+$/.test(s)) return { phone: null, problem: invalidPhone() };
  for (const prefix of ['+86', '0086', '86']) {
    if (s.startsWith(prefix) && CN_MOBILE.test(s.slice(prefix.length))) {
      s = s.slice(prefix.length);
      break;
    }
  }
  if (/^1\d{10}$/.test(s)) return CN_MOBILE.test(s) ? { phone: s } : { phone: null, problem: invalidPhone() };
  if (/^\+?\d{7,15}$/.test(s)) return { phone: s };
  return { phone: null, problem: invalidPhone() };
}

const invalidPhone = (): FieldProblem => ({ field: 'phone', code: 'invalid_phone', message: '请填写正确的手机号' });

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(raw: string | null | undefined): { email: string | null; problem?: FieldProblem } {
  const text = (raw ?? '').trim().toLowerCase();
  if (!text) return { email: null };
  if (text.length > 128 || !EMAIL.test(text)) return { email: null, problem: { field: 'email', code: 'invalid_email', message: '请填写正确的邮箱地址' } };
  return { email: text };
}

export function normalizeUnionid(raw: string | null | undefined): { unionid: string | null; problem?: FieldProblem } {
  const text = (raw ?? '').trim();
  if (!text) return { unionid: null };
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(text)) return { unionid: null, problem: { field: 'unionid', code: 'invalid_unionid', message: 'unionid 格式不正确' } };
  return { unionid: text };
}

export interface Identity {
  phone: string | null;
  email: string | null;
  unionid: string | null;
}

/** Normalises the three identity fields; a lead needs at least one of them. */
export function normalizeIdentity(input: { phone?: string | null; email?: string | null; unionid?: string | null }): {
  identity: Identity;
  problems: FieldProblem[];
} {
  const phone = normalizePhone(input.phone);
  const email = normalizeEmail(input.email);
  const unionid = normalizeUnionid(input.unionid);
  const problems = [phone.problem, email.problem, unionid.problem].filter((p): p is FieldProblem => !!p);
  const identity = { phone: phone.phone, email: email.email, unionid: unionid.unionid };
  if (!problems.length && !identity.phone && !identity.email && !identity.unionid) {
    problems.push({ field: 'phone', code: 'missing_contact', message: '请至少填写手机号、邮箱或微信 unionid 中的一项' });
  }
  return { identity, problems };
}

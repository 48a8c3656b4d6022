/**
 * Header names an import understands, Chinese or English. Matching ignores case, spaces,
 * underscores and dashes ("Company Size" = company_size = companySize). Columns not listed
 * here become lead attributes under their header text.
 */
export type ImportField = 'name' | 'phone' | 'email' | 'company' | 'industry' | 'region' | 'companySize' | 'budget' | 'productLine' | 'unionid' | 'note';

const ALIASES: Record<ImportField, string[]> = {
  name: ['姓名', '名字', '客户姓名', '联系人', 'name'],
  phone: ['手机', '手机号', '手机号码', '电话', '联系电话', 'phone', 'mobile'],
  email: ['邮箱', '电子邮箱', '邮件', 'email', 'e-mail', 'mail'],
  company: ['公司', '公司名称', '企业', '单位', 'company', 'corpname'],
  industry: ['行业', 'industry'],
  region: ['地区', '区域', '省份', 'region'],
  companySize: ['规模', '公司规模', '企业规模', 'companysize', 'size'],
  budget: ['预算', 'budget'],
  productLine: ['产品线', '意向产品', 'productline', 'product'],
  unionid: ['unionid'],
  note: ['备注', '留言', 'note', 'notes', 'remark', 'comment'],
};

const key = (header: string) => header.trim().toLowerCase().replace(/[\s_-]+/g, '');

const LOOKUP = new Map<string, ImportField>(
  (Object.entries(ALIASES) as Array<[ImportField, string[]]>).flatMap(([field, names]) => names.map((n) => [key(n), field] as [string, ImportField])),
);

export type ColumnRole = { kind: 'field'; field: ImportField } | { kind: 'attribute'; name: string } | { kind: 'skip' };

/** What each column holds; a repeated or empty header is skipped (its values stay in the error report). */
export function mapHeader(headers: string[]): ColumnRole[] {
  const seen = new Set<string>();
  return headers.map((header) => {
    const text = header.trim();
    if (!text) return { kind: 'skip' };
    const field = LOOKUP.get(key(text));
    const id = field ?? `attr:${text}`;
    if (seen.has(id)) return { kind: 'skip' };
    seen.add(id);
    return field ? { kind: 'field', field } : { kind: 'attribute', name: text.slice(0, 64) };
  });
}

/** Attributes the scoring and assignment rules read, by the name they read them under. */
export const ATTRIBUTE_FIELDS: ReadonlySet<ImportField> = new Set(['industry', 'region', 'companySize', 'budget', 'productLine']);

import { createHash } from 'node:crypto';
import path from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import { FieldProblem, normalizeIdentity } from '../contact-fields';
import { ContactInfo, captureContactInfo } from '../capture-contact-info';
import { ATTRIBUTE_FIELDS, ColumnRole, ImportField, mapHeader } from './columns';
import { removeErrorReport, RowFailure, writeErrorReport } from './error-report';
import { openSheet, SheetRow } from './read-sheet';

export interface ImportOptions {
  /** Names the list (e.g. expo2026): shown in timelines and part of every row's dedup key. Default: the file name without extension. */
  sourceName?: string;
  /** Validate and match everything, write nothing but the error report. */
  dryRun?: boolean;
  /** Rows per transaction. */
  batchSize?: number;
}

export interface ImportProgress {
  /** Data rows read so far (good and bad). */
  processed: number;
  total: number;
  created: number;
  /** Rows that landed on a lead that already existed (a re-run, or a person already known). */
  matched: number;
  failed: number;
}

export interface ImportResult extends ImportProgress {
  sourceName: string;
  dryRun: boolean;
  /** `<file>.errors.csv` when some rows failed, else null (a stale report from an earlier run is removed). */
  errorReportPath: string | null;
  columns: { fields: Record<string, ImportField>; attributes: string[]; ignored: string[] };
}

export class ImportError extends Error {}

/** Unknown columns beyond this many are not kept as attributes (a wide export should not bloat every lead). */
const MAX_ATTRIBUTE_COLUMNS = 30;
const MAX_VALUE = 500;
const LIMITS: Partial<Record<ImportField, number>> = { name: 128, company: 128 };
const LABEL: Record<ImportField, string> = {
  name: '姓名',
  phone: '手机号',
  email: '邮箱',
  company: '公司',
  industry: '行业',
  region: '地区',
  companySize: '规模',
  budget: '预算',
  productLine: '产品线',
  unionid: 'unionid',
  note: '备注',
};
const REASON: Record<string, string> = {
  missing_contact: '缺少手机号、邮箱或 unionid，无法识别客户',
  invalid_phone: '手机号格式不正确',
  invalid_email: '邮箱格式不正确',
  invalid_unionid: 'unionid 格式不正确',
};

interface PreparedRow {
  row: SheetRow;
  info: ContactInfo;
  dedupKey: string;
}

class DryRunRollback extends Error {}

export function defaultSourceName(filePath: string): string {
  return path.basename(filePath, path.extname(filePath));
}

function cleanSourceName(name: string): string {
  const cleaned = name.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 64);
  if (!cleaned) throw new ImportError('the source name is empty');
  return cleaned;
}

/**
 * Imports leads from a CSV or XLSX list: the first row is the header (Chinese or English names,
 * see columns.ts), every further row a person. Rows are written in batches, one transaction
 * each. A row's dedup key is the source name plus its normalised identity (phone, else unionid,
 * else email), so importing the same list again adds no lead, timeline entry or activity.
 * Rows that cannot be imported are listed with reasons in `<file>.errors.csv`.
 */
export async function importLeads(
  dataSource: DataSource,
  filePath: string,
  options: ImportOptions = {},
  onProgress?: (progress: ImportProgress) => void,
): Promise<ImportResult> {
  const sourceName = cleanSourceName(options.sourceName ?? defaultSourceName(filePath));
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 200, 5000));
  const dryRun = options.dryRun ?? false;
  const sheet = await openSheet(filePath);
  const iterator = sheet.rows[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) throw new ImportError('the file is empty: the first row must name the columns');
  const headers = first.value.cells;
  const roles = limitAttributes(mapHeader(headers));
  const has = (field: ImportField) => roles.some((r) => r.kind === 'field' && r.field === field);
  if (!has('phone') && !has('email') && !has('unionid')) {
    throw new ImportError('no phone, email or unionid column (手机号 / 邮箱 / unionid) in the header row: nothing identifies a person');
  }

  const progress: ImportProgress = { processed: 0, total: sheet.total, created: 0, matched: 0, failed: 0 };
  const failures: RowFailure[] = [];
  let batch: PreparedRow[] = [];
  let reportedAt = 0;
  const report = () => {
    reportedAt = progress.processed;
    onProgress?.({ ...progress });
  };
  const flush = async () => {
    if (!batch.length) return;
    await writeBatch(dataSource, batch, dryRun, progress, failures);
    batch = [];
    report();
  };

  for await (const row of { [Symbol.asyncIterator]: () => iterator }) {
    progress.processed++;
    const prepared = prepareRow(row, roles, sourceName, path.basename(filePath));
    if ('problems' in prepared) {
      progress.failed++;
      failures.push({ row: row.number, codes: prepared.problems.map((p) => p.code), reason: prepared.problems.map((p) => p.message).join('；'), values: row.cells });
    } else {
      batch.push(prepared);
    }
    if (batch.length >= batchSize) await flush();
    else if (progress.processed - reportedAt >= batchSize) report();
  }
  await flush();
  if (reportedAt !== progress.processed || progress.processed === 0) report();

  failures.sort((a, b) => a.row - b.row);
  const errorReportPath = failures.length ? await writeErrorReport(filePath, headers, failures) : await removeErrorReport(filePath);
  return {
    ...progress,
    sourceName,
    dryRun,
    errorReportPath,
    columns: {
      fields: Object.fromEntries(roles.flatMap((r, i) => (r.kind === 'field' ? [[headers[i], r.field]] : []))),
      attributes: roles.flatMap((r) => (r.kind === 'attribute' ? [r.name] : [])),
      ignored: roles.flatMap((r, i) => (r.kind === 'skip' && headers[i]?.trim() ? [headers[i]] : [])),
    },
  };
}

function limitAttributes(roles: ColumnRole[]): ColumnRole[] {
  let attributes = 0;
  return roles.map((r) => (r.kind === 'attribute' && ++attributes > MAX_ATTRIBUTE_COLUMNS ? { kind: 'skip' } : r));
}

function prepareRow(row: SheetRow, roles: ColumnRole[], sourceName: string, fileName: string): PreparedRow | { problems: FieldProblem[] } {
  const fields: Partial<Record<ImportField, string>> = {};
  const custom: Record<string, string> = {};
  const problems: FieldProblem[] = [];
  roles.forEach((role, i) => {
    const value = row.cells[i] ?? '';
    if (!value || role.kind === 'skip') return;
    const label = role.kind === 'field' ? LABEL[role.field] : role.name;
    const limit = role.kind === 'field' ? (LIMITS[role.field] ?? MAX_VALUE) : MAX_VALUE;
    if (value.length > limit && !(role.kind === 'field' && role.field === 'note')) {
      problems.push({ field: label, code: 'value_too_long', message: `「${label}」内容过长（最多 ${limit} 个字符）` });
    } else if (role.kind === 'field') fields[role.field] = value.slice(0, limit);
    else custom[role.name] = value;
  });
  const { identity, problems: identityProblems } = normalizeIdentity(fields);
  for (const p of identityProblems) problems.push({ ...p, message: REASON[p.code] ?? p.message });
  if (problems.length) return { problems };

  const attributes: Record<string, string | number> = { ...custom };
  for (const field of ATTRIBUTE_FIELDS) {
    const value = fields[field];
    if (value === undefined) continue;
    // Budgets compare as numbers in rules; "50万" and the like stay text.
    attributes[field] = field === 'budget' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  const identityKey = identity.phone ? `phone:${identity.phone}` : identity.unionid ? `unionid:${identity.unionid}` : `email:${identity.email}`;
  // Hashed: dedup keys end up in logs and job rows, phone numbers should not.
  const dedupKey = `import:${sourceName}:${createHash('sha256').update(identityKey).digest('hex').slice(0, 32)}`;
  return {
    row,
    dedupKey,
    info: {
      name: fields.name ?? null,
      ...identity,
      corpName: fields.company ?? null,
      attributes,
      source: 'import',
      sourceDetail: sourceName,
      note: fields.note ?? null,
      timelineData: { file: fileName, row: row.number },
    },
  };
}

async function upsertRows(manager: EntityManager, rows: PreparedRow[]) {
  let created = 0;
  for (const r of rows) if ((await captureContactInfo(manager, r.info, r.dedupKey)).created) created++;
  return { created, matched: rows.length - created };
}

/** One transaction per batch; if it fails, its rows are retried one by one so one bad row costs only itself. */
async function writeBatch(dataSource: DataSource, rows: PreparedRow[], dryRun: boolean, progress: ImportProgress, failures: RowFailure[]): Promise<void> {
  const attempt = async (part: PreparedRow[]) => {
    let counts = { created: 0, matched: 0 };
    try {
      await dataSource.transaction(async (manager) => {
        counts = await upsertRows(manager, part);
        if (dryRun) throw new DryRunRollback();
      });
    } catch (error) {
      if (!(error instanceof DryRunRollback)) throw error;
    }
    progress.created += counts.created;
    progress.matched += counts.matched;
  };
  try {
    await attempt(rows);
  } catch {
    for (const row of rows) {
      try {
        await attempt([row]);
      } catch (error) {
        progress.failed++;
        failures.push({ row: row.row.number, codes: ['database_error'], reason: `写入失败：${(error as Error).message.slice(0, 200)}`, values: row.row.cells });
      }
    }
  }
}

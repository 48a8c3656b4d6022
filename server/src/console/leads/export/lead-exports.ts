import { In, LessThan, MoreThan } from 'typeorm';
import { z } from 'zod';
import type { AppContext } from '../../../context';
import { recordAudit } from '../../../audit/record-audit';
import { HttpError } from '../../../http/errors';
import { enqueueJob, PRIORITY } from '../../../jobs/enqueue';
import { Lead } from '../../../leads/lead.entity';
import { hidden } from '../../../policies/actor';
import type { LeadScope } from '../../../policies/lead';
import { cstDate } from '../../../util/china-time';
import { DAY_MS, isoOrNull } from '../../../util/time';
import { leadFilterFields, scopedLeads, type LeadTableFilter } from '../lead-table';
import { readExportFile } from './export-file';
import { LeadExport } from './lead-export.entity';
import { LeadExportPart } from './lead-export-part.entity';

/** The job that builds an export's file (jobs/registry.ts). */
export const LEAD_EXPORT_JOB = 'lead.export';

/** The most rows one export may hold: beyond it a person narrows the filter (and the file stays a few MB). */
export const EXPORT_MAX_ROWS = 100_000;

/** How long an export and its file are kept. */
export const EXPORT_KEEP_MS = DAY_MS;

/**
 * An export still pending or running after this long is not waited for: its job died in a way
 * that left no failure written (instances crashing on it until the queue gave up), and it must
 * not keep its member from exporting until it is purged.
 */
export const EXPORT_STALE_MS = 30 * 60_000;

/**
 * POST /api/console/leads/exports: the table's filters (no full phone number: a phone search is a
 * logged lookup of one customer, not something to put in a file) and why the member exports.
 */
export const startExportBody = z.strictObject({
  ...leadFilterFields,
  // JSON bodies carry a real boolean; the query string's 'true'/'false' is for GET.
  inPool: z.boolean().optional(),
  purpose: z.string({ error: '请填写导出用途（2 到 100 个字）' }).trim().min(2, '请填写导出用途（2 到 100 个字）').max(100, '请填写导出用途（2 到 100 个字）'),
});
export type StartExportBody = z.infer<typeof startExportBody>;

export function presentExport(e: LeadExport) {
  return {
    id: e.id,
    status: e.status,
    total: e.total,
    done: e.done,
    fileName: e.fileName,
    fileSize: e.fileSize,
    error: e.error,
    purpose: e.purpose,
    createdAt: isoOrNull(e.createdAt),
    finishedAt: isoOrNull(e.finishedAt),
    expiresAt: isoOrNull(e.createdAt + EXPORT_KEEP_MS),
  };
}

/** Exports past their day go, with their files: done on the way in of a new one, so nothing else needs scheduling. */
async function purgeExpired(ctx: AppContext, now: number): Promise<void> {
  const old = await ctx.dataSource.getRepository(LeadExport).find({ where: { createdAt: LessThan(now - EXPORT_KEEP_MS) }, select: { id: true }, take: 100 });
  if (!old.length) return;
  const ids = old.map((e) => e.id);
  await ctx.dataSource.getRepository(LeadExportPart).delete({ exportId: In(ids) });
  await ctx.dataSource.getRepository(LeadExport).delete({ id: In(ids) });
}

/**
 * Command: a member asks for an Excel file of the leads their table shows. The rows are counted
 * now (leads added later are left out: the file holds what was counted), and the export, its
 * audit row (`export`, naming the member, with the filter and the count) and the job that builds
 * the file are written in one transaction: no file without its record. One export at a time per
 * member (one stuck past EXPORT_STALE_MS does not count); none of nothing, none beyond
 * EXPORT_MAX_ROWS.
 */
export async function startLeadExport(ctx: AppContext, scope: LeadScope, userId: string, input: StartExportBody) {
  const { purpose, ...filter } = input;
  const now = Date.now();
  await purgeExpired(ctx, now);
  const running = await ctx.dataSource.getRepository(LeadExport).findOneBy({ requestedBy: userId, status: In(['pending', 'running']), createdAt: MoreThan(now - EXPORT_STALE_MS) });
  if (running) throw new HttpError(409, 'export_running', '您有一个导出正在进行，请等它完成后再导出', { exportId: running.id });
  const newest = await ctx.dataSource.getRepository(Lead).createQueryBuilder('l').select('MAX(l.id)', 'id').getRawOne<{ id: number | string | null }>();
  const maxLeadId = Number(newest?.id ?? 0);
  const total = await scopedLeads(ctx, scope, filter as LeadTableFilter)
    .andWhere('l.id <= :maxLeadId', { maxLeadId })
    .getCount();
  if (total === 0) throw new HttpError(400, 'nothing_to_export', '没有符合筛选条件的线索，无需导出');
  if (total > EXPORT_MAX_ROWS) {
    throw new HttpError(400, 'too_many_rows', `一次最多导出 ${EXPORT_MAX_ROWS} 条线索（当前筛选共 ${total} 条），请添加筛选条件缩小范围`, { max: EXPORT_MAX_ROWS, total });
  }
  const created = await ctx.dataSource.transaction(async (manager) => {
    const row = manager.create(LeadExport, {
      requestedBy: userId,
      purpose,
      filter,
      maxLeadId,
      total,
      done: 0,
      status: 'pending',
      fileName: '',
      fileSize: null,
      error: null,
      createdAt: now,
      finishedAt: null,
    });
    await manager.insert(LeadExport, row);
    row.fileName = `线索导出-${cstDate(now)}-${row.id}.xlsx`;
    await manager.update(LeadExport, { id: row.id }, { fileName: row.fileName });
    await recordAudit(manager, { action: 'export', actor: scope.actor, leadId: null, leadOwnerUserId: null, purpose, detail: { exportId: row.id, filter, rowCount: total }, at: now });
    await enqueueJob(manager, { kind: LEAD_EXPORT_JOB, dedupKey: `lead.export:${row.id}`, payload: { exportId: row.id }, priority: PRIORITY.background });
    return row;
  });
  ctx.kick();
  return presentExport(created);
}

/** An export of this member's (an export is its requester's alone: 404 for anyone else, as for an id nobody has). */
export async function findOwnExport(ctx: AppContext, userId: string, id: number): Promise<LeadExport> {
  const found = await ctx.dataSource.getRepository(LeadExport).findOneBy({ id });
  if (!found || found.requestedBy !== userId) throw hidden('记录');
  return found;
}

/** The member's exports still kept, newest first. */
export async function listOwnExports(ctx: AppContext, userId: string) {
  const rows = await ctx.dataSource.getRepository(LeadExport).find({
    where: { requestedBy: userId },
    order: { id: 'DESC' },
    take: 10,
  });
  const cutoff = Date.now() - EXPORT_KEEP_MS;
  return rows.filter((e) => e.createdAt >= cutoff).map(presentExport);
}

/** The finished file of one of the member's exports; 409 while it is still being built. */
export async function exportFile(ctx: AppContext, userId: string, id: number): Promise<{ fileName: string; body: Buffer }> {
  const found = await findOwnExport(ctx, userId, id);
  if (found.createdAt < Date.now() - EXPORT_KEEP_MS) throw new HttpError(410, 'export_expired', '导出文件已过期（保留 24 小时），请重新导出');
  if (found.status === 'failed') throw new HttpError(409, 'export_failed', found.error ?? '导出失败，请重新导出');
  if (found.status !== 'done') throw new HttpError(409, 'export_not_ready', '文件还在生成中，请稍候');
  return { fileName: found.fileName, body: await readExportFile(ctx.dataSource, id) };
}

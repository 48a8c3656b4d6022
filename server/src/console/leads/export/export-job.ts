import type { AppContext } from '../../../context';
import type { Job } from '../../../jobs/job.entity';
import { PermanentJobFailure } from '../../../jobs/job-worker';
import { Member } from '../../../members/member.entity';
import { memberActorOf } from '../../../members/profile';
import { leadScopeOf, type LeadScope } from '../../../policies/lead';
import { leadRows, scopedLeads, type LeadTableFilter } from '../lead-table';
import { ExportFileSink } from './export-file';
import { LeadExport } from './lead-export.entity';
import { LeadExportPart } from './lead-export-part.entity';
import { writeLeadWorkbook } from './lead-workbook';

/** Leads read and written per step; the progress moves by this much. */
const BATCH = 500;
/** Attempts before an export is given up as failed (and the job dead-lettered for an operator). */
const MAX_ATTEMPTS = 3;

/** The export's leads, newest first, a batch at a time (keyset on id, so the last batch costs what the first did). */
async function* leadBatches(ctx: AppContext, scope: LeadScope, filter: LeadTableFilter, maxLeadId: number) {
  let below = maxLeadId + 1;
  for (;;) {
    const leads = await scopedLeads(ctx, scope, filter).andWhere('l.id < :below', { below }).orderBy('l.id', 'DESC').limit(BATCH).getMany();
    if (!leads.length) return;
    yield await leadRows(ctx, leads);
    if (leads.length < BATCH) return;
    below = leads[leads.length - 1].id;
  }
}

/**
 * Job `lead.export`: builds an export's .xlsx into lead_export_part, moving `done` along as it
 * goes so the page can show progress. What the file may hold is decided now, by the lead policy
 * for the member as they are now (a role taken away since the request means no file). A retry
 * starts over from an empty file; after MAX_ATTEMPTS the export is marked failed with a reason
 * the page shows.
 */
export async function leadExportJob(job: Job, ctx: AppContext) {
  const exportId = Number((job.payload as { exportId?: unknown }).exportId);
  const exports = ctx.dataSource.getRepository(LeadExport);
  const found = Number.isInteger(exportId) ? await exports.findOneBy({ id: exportId }) : null;
  if (!found) return 'ignored' as const;
  if (found.status === 'done' || found.status === 'failed') return 'skipped' as const;
  const fail = (error: string) => exports.update({ id: exportId }, { status: 'failed', error, finishedAt: Date.now() });

  const member = await ctx.dataSource.getRepository(Member).findOneBy({ userId: found.requestedBy });
  const actor = member && member.status === 'active' ? await memberActorOf(ctx.dataSource.manager, member) : null;
  if (!actor || !actor.roles.some((r) => r === 'admin' || r === 'manager')) {
    await fail('导出人已没有管理后台的权限，导出已取消');
    return 'skipped' as const;
  }
  try {
    const scope = await leadScopeOf(ctx.dataSource.manager, actor);
    await ctx.dataSource.getRepository(LeadExportPart).delete({ exportId });
    await exports.update({ id: exportId }, { status: 'running', done: 0, error: null });
    const sink = new ExportFileSink(ctx.dataSource, exportId);
    let written = 0;
    await writeLeadWorkbook(sink, leadBatches(ctx, scope, found.filter as LeadTableFilter, found.maxLeadId), async (n) => {
      written = n;
      await exports.update({ id: exportId }, { done: n });
    });
    // Leads that left the filter since it was counted (a stage moved on) are not in the file;
    // the total becomes what the file holds, so the page's progress ends at 100 %.
    await exports.update({ id: exportId }, { status: 'done', done: written, total: written, fileSize: sink.size, finishedAt: Date.now() });
    return 'done' as const;
  } catch (error) {
    if (job.attempts >= MAX_ATTEMPTS) {
      await fail('生成导出文件失败，请稍后重新导出');
      throw new PermanentJobFailure(`lead export ${exportId} failed: ${(error as Error).message}`);
    }
    await exports.update({ id: exportId }, { status: 'pending', done: 0 });
    throw error;
  }
}

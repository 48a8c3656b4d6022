import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { maskPhoneNumbersInText } from '../../../privacy/phone-numbers';
import { formatCst } from '../../../util/china-time';
import type { leadRows } from '../lead-table';

type LeadRow = Awaited<ReturnType<typeof leadRows>>[number];

/** The sheet's columns, in Chinese, as the console's table shows them. */
const COLUMNS: Array<{ header: string; width: number; value: (row: LeadRow) => string | number }> = [
  { header: '线索编号', width: 10, value: (r) => r.id },
  { header: '客户', width: 18, value: (r) => r.name || '未命名客户' },
  { header: '手机号', width: 16, value: (r) => r.phone ?? '' },
  { header: '阶段', width: 10, value: (r) => r.stageLabel },
  { header: '评分', width: 8, value: (r) => r.score },
  { header: '等级', width: 8, value: (r) => r.grade ?? '' },
  { header: '负责人', width: 12, value: (r) => r.ownerName ?? (r.inPool ? '公海' : '未分配') },
  { header: '渠道', width: 18, value: (r) => r.channel?.name ?? '自然添加' },
  { header: '标签', width: 24, value: (r) => r.tags.join('、') },
  { header: '创建时间', width: 18, value: (r) => (r.createdAt ? formatCst(Date.parse(r.createdAt)) : '') },
  { header: '最近互动', width: 18, value: (r) => (r.lastInteractionAt ? formatCst(Date.parse(r.lastInteractionAt)) : '') },
];

/**
 * Writes the leads as an .xlsx to `out`, a batch at a time (exceljs's streaming writer: memory
 * stays flat however many rows). The phone column is the masked one the table shows, and every
 * text cell is masked again: a number typed into a name or a tag must not leave in a file either.
 * Cells are written as strings, never formulas. `onBatch` hears how many rows are written so far.
 */
export async function writeLeadWorkbook(out: Writable, batches: AsyncIterable<LeadRow[]>, onBatch: (written: number) => Promise<void>): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  workbook.creator = '线索管理后台';
  const sheet = workbook.addWorksheet('线索');
  sheet.columns = COLUMNS.map((c) => ({ header: c.header, width: c.width }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  let written = 0;
  for await (const batch of batches) {
    for (const row of batch) {
      sheet.addRow(COLUMNS.map((c) => {
        const value = c.value(row);
        return typeof value === 'string' ? maskPhoneNumbersInText(value) : value;
      })).commit();
    }
    written += batch.length;
    await onBatch(written);
  }
  sheet.commit();
  await workbook.commit();
}

import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { cleanText } from '../../util/clean-text';

export interface SheetRow {
  /** Row number as the spreadsheet shows it (the header is row 1). */
  number: number;
  /** Cell texts from column A on. */
  cells: string[];
}

export interface Sheet {
  /** Data rows (header and blank rows excluded), when known before reading. */
  total: number;
  rows: AsyncIterable<SheetRow>;
}

export class SheetError extends Error {}

/** A cell as the text a person sees: rich text joined, formulas by result, dates as ISO dates. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return cleanText(value).trim();
  if (typeof value === 'number') return Number.isInteger(value) ? value.toFixed(0) : String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    const v = value as { richText?: Array<{ text: string }>; text?: unknown; result?: unknown; hyperlink?: string; error?: string };
    if (Array.isArray(v.richText)) return cleanText(v.richText.map((r) => r.text).join('')).trim();
    if (v.text !== undefined) return cellText(v.text);
    if (v.result !== undefined) return cellText(v.result);
    if (v.hyperlink) return cleanText(v.hyperlink).trim();
  }
  return '';
}

const toRow = (number: number, values: unknown): SheetRow => ({
  number,
  cells: (Array.isArray(values) ? values.slice(1) : []).map(cellText),
});
const isBlank = (row: SheetRow) => row.cells.every((c) => c === '');

/**
 * Spreadsheets saved as CSV by Excel on a Chinese Windows are GB18030, not UTF-8: decode as
 * UTF-8 when the bytes are valid UTF-8, else as GB18030. A UTF-8 BOM is dropped.
 */
function decodeCsv(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

async function readCsv(filePath: string): Promise<Sheet> {
  const text = decodeCsv(await fs.promises.readFile(filePath));
  const workbook = new ExcelJS.Workbook();
  // Identity map: keep every value as typed (leading zeros, long digit strings, dates as text).
  const worksheet = await workbook.csv.read(Readable.from([text]), { map: (v: unknown) => v } as never);
  const rows: SheetRow[] = [];
  worksheet.eachRow({ includeEmpty: false }, (row, number) => {
    const r = toRow(number, row.values);
    if (!isBlank(r)) rows.push(r);
  });
  return {
    total: Math.max(0, rows.length - 1),
    rows: (async function* () {
      yield* rows;
    })(),
  };
}

function xlsxRows(filePath: string): AsyncIterable<SheetRow> {
  return (async function* () {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(filePath, {
      worksheets: 'emit',
      sharedStrings: 'cache',
      hyperlinks: 'ignore',
      styles: 'ignore',
      entries: 'emit',
    });
    // Only the first worksheet is the list; others (notes, lookups) are not read.
    for await (const worksheet of reader) {
      for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) {
        const r = toRow(row.number, row.values);
        if (!isBlank(r)) yield r;
      }
      break;
    }
  })();
}

/**
 * XLSX is read streaming, twice: a first pass only counts rows (for the progress bar), the
 * second yields them. Memory stays flat however long the list is.
 */
async function readXlsx(filePath: string): Promise<Sheet> {
  let count = 0;
  try {
    for await (const _ of xlsxRows(filePath)) count++;
  } catch (error) {
    throw new SheetError(`${path.basename(filePath)} is not a readable XLSX file: ${(error as Error).message}`);
  }
  return { total: Math.max(0, count - 1), rows: xlsxRows(filePath) };
}

/** Opens a .csv or .xlsx file as rows of cell texts; the first non-blank row is the header. */
export async function openSheet(filePath: string): Promise<Sheet> {
  if (!fs.existsSync(filePath)) throw new SheetError(`file not found: ${filePath}`);
  const ext = path.extname(filePath).toLowerCase();
  if (ext === '.csv') return readCsv(filePath);
  if (ext === '.xlsx') return readXlsx(filePath);
  throw new SheetError(`unsupported file type "${ext}": use .csv or .xlsx`);
}

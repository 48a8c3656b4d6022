import fs from 'node:fs';

export interface RowFailure {
  /** Spreadsheet row number (header = 1). */
  row: number;
  codes: string[];
  /** For the person fixing the list: Simplified Chinese. */
  reason: string;
  values: string[];
}

export const errorReportPath = (inputPath: string) => `${inputPath}.errors.csv`;

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * `<file>.errors.csv`: row, code, reason, then the row's original cells under the original
 * headers, so the list can be fixed and imported again. UTF-8 with a BOM so Excel shows the
 * Chinese correctly.
 */
export async function writeErrorReport(inputPath: string, headers: string[], failures: RowFailure[]): Promise<string> {
  const target = errorReportPath(inputPath);
  const width = Math.max(headers.length, ...failures.map((f) => f.values.length));
  const pad = (cells: string[]) => Array.from({ length: width }, (_, i) => cells[i] ?? '');
  const lines = [
    ['row', 'code', 'reason', ...pad(headers)].map(csvField).join(','),
    ...failures.map((f) => [f.row, f.codes.join(' '), f.reason, ...pad(f.values)].map(csvField).join(',')),
  ];
  await fs.promises.writeFile(target, `\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
  return target;
}

/** A clean run leaves no report behind, not even one from an earlier run. */
export async function removeErrorReport(inputPath: string): Promise<null> {
  await fs.promises.rm(errorReportPath(inputPath), { force: true });
  return null;
}

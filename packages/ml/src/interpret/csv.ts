// CSV export of a confusion matrix that is safe to open in a spreadsheet (DESIGN §7: formula
// cells are escaped). Class names come from folder names and CSV columns, i.e. from users.

/** Leading characters that make Excel, LibreOffice or Sheets read a cell as a formula (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: text that could start a formula gets a leading `'`; RFC 4180 quoting where needed. */
export function escapeCsvCell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows joined with CRLF (RFC 4180), the last line terminated too. */
export function toCsvRows(rows: readonly (readonly (string | number)[])[]): string {
  return rows.map((row) => row.map(escapeCsvCell).join(',') + '\r\n').join('');
}

/**
 * A confusion matrix (rows actual, columns predicted) as CSV: a header of predicted class
 * names after a corner cell, then one row per actual class.
 */
export function toCsv(matrix: readonly (readonly number[])[], classes: readonly string[]): string {
  const c = classes.length;
  if (matrix.length !== c || matrix.some((row) => row.length !== c)) {
    throw new Error(
      `toCsv: the matrix must be ${c}×${c} to match ${c} classes, received ` +
        `${matrix.length} rows of lengths [${matrix.map((r) => r.length).join(', ')}].`,
    );
  }
  return toCsvRows([
    ['actual \\ predicted', ...classes],
    ...matrix.map((row, i) => [classes[i]!, ...row]),
  ]);
}

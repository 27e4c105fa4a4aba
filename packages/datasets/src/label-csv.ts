import { DatasetError } from './errors';
import type { Label } from './label-result';
import {
  labelFromListedRows,
  type ListedLabelResult,
  type ListedRow,
  type RowProblem,
} from './label-listed-rows';
import { parseCsv } from './parse-csv';
import { getBasename, getDirname } from './path-parts';

/** fastai `from_csv` / `from_df`. */
export interface CsvLabelConfig {
  /** The CSV's text (see `findLabelsCsv` to pick it from an import's text files). */
  csvText: string;
  /** Where the CSV sits in the dataset; names resolve from its folder. Default `labels.csv`. */
  csvPath?: string;
  /** Column of file names, by header name or 0-based index. Default 0. */
  fileColumn?: string | number;
  /** Column of labels, by header name or 0-based index. Default 1. */
  labelColumn?: string | number;
  /** Whether the first row is a header. Default true. */
  hasHeader?: boolean;
  /** Splits a label cell into several labels (multi-label), e.g. `' '` for Planet's tags. */
  labelDelimiter?: string;
  /** Field separator; detected when omitted. */
  delimiter?: string;
  /** fastai `folder`: a folder between the CSV's folder and the names, e.g. `train`. */
  folder?: string;
  /** fastai `suffix`: appended to every name, e.g. `.jpg` when the CSV has ids only. */
  suffix?: string;
}

export const DEFAULT_CSV_PATH = 'labels.csv';

/**
 * Labels files from a CSV: ragged rows, empty cells and repeated names are reported per line;
 * names with no file are listed in `missingFiles`; dataset files not in the CSV are unlabelled.
 */
export function labelByCsv(paths: string[], config: CsvLabelConfig): ListedLabelResult {
  const csvPath = config.csvPath ?? DEFAULT_CSV_PATH;
  const sourceName = getBasename(csvPath);
  const records = parseCsv(config.csvText, { delimiter: config.delimiter, sourceName });
  const hasHeader = config.hasHeader ?? true;
  const header = hasHeader ? (records[0]?.fields ?? []) : null;
  const fileIndex = findColumn(config.fileColumn ?? 0, header, 'fileColumn', sourceName);
  const labelIndex = findColumn(config.labelColumn ?? 1, header, 'labelColumn', sourceName);
  const expectedWidth = header?.length ?? Math.max(fileIndex, labelIndex) + 1;

  const rows: ListedRow[] = [];
  const problems: RowProblem[] = [];
  for (const { line, fields } of hasHeader ? records.slice(1) : records) {
    const name = fields[fileIndex];
    const labelText = fields[labelIndex];
    if (name === undefined || labelText === undefined) {
      problems.push({
        line,
        reason: `has ${fields.length} column${fields.length === 1 ? '' : 's'}, expected ${expectedWidth}; row ignored`,
      });
      continue;
    }
    if (fields.length !== expectedWidth) {
      problems.push({
        line,
        reason: `has ${fields.length} columns, expected ${expectedWidth}; used the file and label columns`,
      });
    }
    rows.push({ line, name, label: parseLabel(labelText, config.labelDelimiter) });
  }
  return labelFromListedRows(paths, rows, problems, {
    sourceName,
    baseFolder: getDirname(csvPath),
    folder: config.folder,
    suffix: config.suffix,
  });
}

/** The CSV to label from by default: the shallowest `labels.csv` among an import's text files. */
export function findLabelsCsv<T extends { path: string }>(
  textFiles: T[],
  fileName = DEFAULT_CSV_PATH,
): T | undefined {
  const depth = (path: string): number => path.split('/').length;
  return textFiles
    .filter((file) => getBasename(file.path).toLowerCase() === fileName.toLowerCase())
    .sort((a, b) => depth(a.path) - depth(b.path))[0];
}

function findColumn(
  column: string | number,
  header: string[] | null,
  option: string,
  sourceName: string,
): number {
  const available = header
    ? header.map((name) => JSON.stringify(name)).join(', ')
    : 'none (no header row)';
  if (typeof column === 'number') {
    if (!Number.isInteger(column) || column < 0 || (header && column >= header.length)) {
      throw new DatasetError(
        'CSV_MISSING_COLUMN',
        `${sourceName} has no column number ${column} (${option}); columns are numbered from 0 and it has ${header?.length ?? 'unknown'}: ${available}. Pick one of them.`,
        { option, column, available: header },
      );
    }
    return column;
  }
  const index = header
    ? header.findIndex((name) => name.trim().toLowerCase() === column.trim().toLowerCase())
    : -1;
  if (index === -1) {
    throw new DatasetError(
      'CSV_MISSING_COLUMN',
      `${sourceName} has no column named "${column}" (${option}). Available columns: ${available}. Pick one of them${header ? '' : ', or set hasHeader'}.`,
      { option, column, available: header },
    );
  }
  return index;
}

/** `"cat"` → `cat`; with a delimiter, `"haze primary"` → `[haze, primary]` (deduplicated, sorted). */
export function parseLabel(text: string, delimiter: string | undefined): Label | null {
  if (delimiter === undefined) {
    const label = text.trim();
    return label === '' ? null : label;
  }
  const labels = [
    ...new Set(
      text
        .split(delimiter)
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    ),
  ].sort();
  return labels.length === 0 ? null : labels;
}

import { formatCount } from './errors';
import {
  buildLabelResult,
  type Label,
  type LabelResult,
  type UnlabelledFile,
} from './label-result';
import { createNameResolver } from './resolve-listed-names';

/** A row of a CSV or list: a file name and its label (null when the label cell is empty). */
export interface ListedRow {
  line: number;
  name: string;
  label: Label | null;
}

/** A CSV or list row that could not be used, and why. */
export interface RowProblem {
  line: number;
  reason: string;
}

export interface ListedLabelResult extends LabelResult {
  /** Names in the CSV or list with no matching file in the dataset. */
  missingFiles: Array<{ line: number; name: string }>;
  /** Rows that were ignored or only partly used (ragged, empty, repeated, ambiguous). */
  problems: RowProblem[];
}

export interface ListedRowOptions {
  sourceName: string;
  baseFolder?: string;
  folder?: string;
  suffix?: string;
}

/** Shared by the CSV and list schemes: matches rows to dataset files, reports what does not match. */
export function labelFromListedRows(
  paths: string[],
  rows: ListedRow[],
  problems: RowProblem[],
  options: ListedRowOptions,
): ListedLabelResult {
  const resolve = createNameResolver(paths, options);
  const labels = new Map<string, Label>();
  const emptyLabel = new Map<string, number>();
  const lineOfPath = new Map<string, number>();
  const missingFiles: Array<{ line: number; name: string }> = [];
  for (const row of rows) {
    if (row.name.trim() === '') {
      problems.push({ line: row.line, reason: 'empty file name; row ignored' });
      continue;
    }
    const found = resolve(row.name);
    if (found.kind === 'missing') {
      missingFiles.push({ line: row.line, name: row.name });
      continue;
    }
    if (found.kind === 'ambiguous') {
      problems.push({
        line: row.line,
        reason: `"${row.name}" matches ${formatCount(found.matches.length)} files (${found.matches.slice(0, 3).join(', ')}); use the full path`,
      });
      continue;
    }
    const earlierLine = lineOfPath.get(found.path);
    if (earlierLine !== undefined) {
      problems.push({
        line: row.line,
        reason: `"${row.name}" is already labelled on line ${earlierLine}; this row is ignored`,
      });
      continue;
    }
    lineOfPath.set(found.path, row.line);
    if (row.label === null) emptyLabel.set(found.path, row.line);
    else labels.set(found.path, row.label);
  }
  const unlabelled: UnlabelledFile[] = [];
  for (const path of paths) {
    if (labels.has(path)) continue;
    const line = emptyLabel.get(path);
    unlabelled.push({
      path,
      reason:
        line === undefined
          ? `not listed in ${options.sourceName}`
          : `empty label on line ${line} of ${options.sourceName}`,
    });
  }
  return {
    ...buildLabelResult(labels, unlabelled),
    missingFiles,
    problems: problems.sort((a, b) => a.line - b.line),
  };
}

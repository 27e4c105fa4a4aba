import { labelByCsv } from './label-csv';
import { labelFromListedRows, type ListedLabelResult } from './label-listed-rows';
import type { Label } from './label-result';
import { parseCsv } from './parse-csv';

/** fastai `from_lists`: labels pasted as `file,label` lines, or a map from hand labelling. */
export type ListLabelConfig =
  | { text: string; labelDelimiter?: string }
  | { labels: Record<string, Label> | Map<string, Label> };

// A first row whose file cell is one of these words is a header, not a file.
const HEADER_WORDS = new Set([
  'file',
  'filename',
  'file_name',
  'fname',
  'name',
  'path',
  'image',
  'image_name',
  'image_id',
  'id',
]);

/**
 * Labels from an explicit list. Pasted text goes through the CSV parser (quotes, BOM, ragged
 * rows) with names resolved from the dataset root; a map's keys are resolved the same way.
 */
export function labelByList(paths: string[], config: ListLabelConfig): ListedLabelResult {
  if ('text' in config) {
    const firstLine = config.text.split(/\r?\n/, 1)[0] ?? '';
    const first = parseCsv(firstLine, { sourceName: 'the list' })[0]?.fields[0] ?? '';
    return labelByCsv(paths, {
      csvText: config.text,
      // A "path" without a folder: names resolve from the dataset root, and messages say "the list".
      csvPath: 'the list',
      hasHeader: HEADER_WORDS.has(first.trim().toLowerCase()),
      labelDelimiter: config.labelDelimiter,
    });
  }
  const entries = config.labels instanceof Map ? [...config.labels] : Object.entries(config.labels);
  const rows = entries.map(([name, label], index) => ({
    line: index + 1,
    name,
    label: isEmptyLabel(label) ? null : label,
  }));
  return labelFromListedRows(paths, rows, [], { sourceName: 'the labels' });
}

function isEmptyLabel(label: Label): boolean {
  return Array.isArray(label) ? label.length === 0 : label.trim() === '';
}

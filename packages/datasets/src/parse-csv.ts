import { parse } from 'csv-parse/sync';
import { DatasetError, formatCount } from './errors';
import { formatBytes } from './limits';

export interface CsvRow {
  /** 1-based line number where the row ends, for messages. */
  line: number;
  fields: string[];
}

export interface ParseCsvOptions {
  /** Field separator; detected from the first line (`,`, tab or `;`) when omitted. */
  delimiter?: string;
  /** One record may not exceed this many bytes (a runaway quote otherwise swallows the file). Default 64 KiB. */
  maxRecordBytes?: number;
  /** Whole text cap. Default 64 MiB. */
  maxBytes?: number;
  /** Shown in errors, e.g. `labels.csv`. */
  sourceName?: string;
}

/**
 * Parses CSV text leniently where users' files are messy (BOM, ragged rows, blank lines,
 * quoted fields with commas and newlines) and strictly where they are hostile (record and
 * file size caps). Ragged rows are returned as they are; callers decide what a short row means.
 */
export function parseCsv(text: string, options: ParseCsvOptions = {}): CsvRow[] {
  const sourceName = options.sourceName ?? 'the CSV';
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const maxRecordBytes = options.maxRecordBytes ?? 64 * 1024;
  if (text.length > maxBytes) {
    throw new DatasetError(
      'CSV_INVALID',
      `${sourceName} is too large (${formatBytes(text.length)} > ${formatBytes(maxBytes)}). Split it, or keep only the file and label columns.`,
      {
        maxBytes,
      },
    );
  }
  try {
    const records = parse(text, {
      bom: true,
      delimiter: options.delimiter ?? detectDelimiter(text),
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: maxRecordBytes,
      info: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
    return records.map(({ record, info }) => ({ line: info.lines, fields: record }));
  } catch (error) {
    const { code, lines, message } = error as { code?: string; lines?: number; message: string };
    const where = lines ? ` at line ${formatCount(lines)}` : '';
    const hint =
      code === 'CSV_MAX_RECORD_SIZE'
        ? `a record is longer than ${formatBytes(maxRecordBytes)}; check for an unclosed quote`
        : 'check the quotes on that line (a field containing a comma or quote must be wrapped in "...", with inner quotes doubled)';
    throw new DatasetError(
      'CSV_INVALID',
      `Could not read ${sourceName}${where}: ${message.replace(/ at line \d+$/, '')}. Fix: ${hint}.`,
      {
        code,
        line: lines,
      },
    );
  }
}

function detectDelimiter(text: string): string {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const count = (separator: string): number => firstLine.split(separator).length - 1;
  const candidates = [',', '\t', ';'].map((separator) => ({ separator, n: count(separator) }));
  const best = candidates.reduce((a, b) => (b.n > a.n ? b : a));
  return best.n > 0 ? best.separator : ',';
}

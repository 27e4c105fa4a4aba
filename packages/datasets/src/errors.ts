/** Machine-readable reasons an import or a labelling scheme can fail as a whole. */
export type DatasetErrorCode =
  | 'UNSAFE_ENTRY_NAME'
  | 'LIMIT_EXCEEDED'
  | 'ARCHIVE_CORRUPT'
  | 'ARCHIVE_UNSUPPORTED'
  | 'ARCHIVE_EMPTY'
  | 'URL_NOT_ALLOWED'
  | 'CSV_INVALID'
  | 'CSV_MISSING_COLUMN'
  | 'REGEX_INVALID'
  | 'REGEX_NO_CAPTURE_GROUP'
  | 'REGEX_NO_MATCH'
  | 'RULE_INVALID'
  | 'SCRIPT_INVALID'
  | 'SCRIPT_TIMEOUT'
  | 'SCRIPT_OUT_OF_MEMORY'
  | 'SPLIT_INVALID';

/**
 * An error the UI can show as is: `message` says what happened, what was expected,
 * the value received and how to fix it; `code` lets callers branch without parsing text.
 */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  readonly code: DatasetErrorCode;
  /** Structured facts behind the message (limit name, value, pattern...), safe to serialise. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: DatasetErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** Formats a count the way the UI shows it (`7,390`). */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Quotes a user-supplied name for an error message, shortened so a hostile name cannot flood a log. */
export function quoteName(name: string, maxLength = 120): string {
  const shown = name.length > maxLength ? `${name.slice(0, maxLength)}…` : name;
  return JSON.stringify(shown);
}

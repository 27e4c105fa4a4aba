import { ImportBlobsRemovedError, isConnectionLoss } from '@studio/db';
import { DatasetError } from '@studio/datasets';
import { DownloadError } from './download-error';

export interface ImportFailure {
  /** For the person reading the import: what happened and what to do; no stack, path or ORM code. */
  message: string;
  /** Whether another attempt may succeed (an unreachable host, a lost database). */
  isRetryable: boolean;
}

/**
 * Turns whatever stopped an import into a message a user can read. Errors written for people
 * (bad archives, downloads, swept blobs) pass through; a full disk or a lost database is named
 * without the paths in the underlying error; anything else is an internal error whose details
 * go to the worker's log only. `recorded` images of the import were committed before it stopped.
 */
export function describeImportFailure(error: unknown, recorded: number): ImportFailure {
  const outcome =
    recorded === 0
      ? 'Nothing was added to the dataset.'
      : `${recorded.toLocaleString('en')} of its images were recorded before it stopped; importing again adds the rest without recording any twice.`;
  if (error instanceof DatasetError) return { message: error.message, isRetryable: false };
  if (error instanceof DownloadError)
    return { message: error.message, isRetryable: error.isTemporary };
  if (error instanceof ImportBlobsRemovedError)
    return { message: error.message, isRetryable: true };
  const diskFull = describeDiskFull(error);
  if (diskFull) return { message: `${diskFull} ${outcome}`, isRetryable: false };
  if (isConnectionLoss(error))
    return {
      message: `The worker lost its connection to the database. ${outcome}`,
      isRetryable: true,
    };
  return {
    message: `The import stopped because of an internal error in the worker (its log has the details). ${outcome}`,
    isRetryable: true,
  };
}

/** A full disk is not fixed by retrying at once: says which disk and what to do. */
function describeDiskFull(error: unknown): string | null {
  const { code, message = '' } = (error ?? {}) as { code?: unknown; message?: string };
  if (code === 'ENOSPC' || /\bENOSPC\b/.test(message))
    return "The worker's disk is full: there was no room to copy the archive to its temporary folder (ENOSPC). Free space there, or point TMPDIR at a larger disk, then import again.";
  if (/Code: `53100`|could not extend file|No space left on device/i.test(message))
    return "The database's disk is full (No space left on device). Free space on the database server, then import again.";
  return null;
}

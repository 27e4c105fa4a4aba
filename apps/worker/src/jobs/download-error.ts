/**
 * A download that failed. `isTemporary` when trying again later may succeed: the host could not
 * be reached, answered 408, 429 or 5xx, or the connection broke off; a 4xx answer, a file over
 * the limit or a wrong checksum will fail the same way again.
 */
export class DownloadError extends Error {
  readonly code = 'download_failed';
  constructor(
    message: string,
    readonly isTemporary = false,
  ) {
    super(message);
  }
}

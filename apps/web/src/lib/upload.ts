/** Browser-side upload helpers: batches of files with their relative paths, and raw archives. */

export interface UploadProgress {
  sentBytes: number;
  totalBytes: number;
  processedFiles: number;
  totalFiles: number;
  imported: number;
  skipped: { path: string; reason: string }[];
  /** Files that are text, not images: kept for labelling from a CSV or a list. */
  textFiles: string[];
}

export interface FileWithPath {
  file: File;
  path: string;
}

/** The path a dropped or chosen file had inside its folder ("train/dog/1.jpg"). */
export function relativePathOf(file: File): string {
  const withPaths = file as File & { path?: string; relativePath?: string };
  const raw = withPaths.relativePath || file.webkitRelativePath || withPaths.path || file.name;
  return raw.replace(/^\.?\/+/, '');
}

/** Splits files into request-sized batches (by count and by bytes). */
export function batchFiles(
  files: FileWithPath[],
  maxFiles = 48,
  maxBytes = 12 * 1024 * 1024,
): FileWithPath[][] {
  const batches: FileWithPath[][] = [];
  let current: FileWithPath[] = [];
  let bytes = 0;
  for (const f of files) {
    if (current.length > 0 && (current.length >= maxFiles || bytes + f.file.size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(f);
    bytes += f.file.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export function sendWithProgress(
  url: string,
  body: XMLHttpRequestBodyInit,
  onProgress: (loaded: number) => void,
  headers: Record<string, string> = {},
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onerror = () =>
      reject(new Error('The connection to the studio was lost during the upload.'));
    xhr.onload = () => {
      let parsed: { error?: string } = {};
      try {
        parsed = JSON.parse(xhr.responseText) as { error?: string };
      } catch {
        // a non-JSON answer is reported by status below
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(parsed);
      else reject(new Error(parsed.error ?? `Upload failed with HTTP ${xhr.status}.`));
    };
    xhr.send(body);
  });
}

/** Uploads files in batches, two requests at a time, reporting bytes sent and files processed. */
export async function uploadFiles(
  datasetId: string,
  files: FileWithPath[],
  onProgress: (p: UploadProgress) => void,
): Promise<UploadProgress> {
  const batches = batchFiles(files);
  const progress: UploadProgress = {
    sentBytes: 0,
    totalBytes: files.reduce((n, f) => n + f.file.size, 0),
    processedFiles: 0,
    totalFiles: files.length,
    imported: 0,
    skipped: [],
    textFiles: [],
  };
  const inFlight = new Map<number, number>();
  let finishedBytes = 0;
  const report = () => {
    progress.sentBytes = finishedBytes + [...inFlight.values()].reduce((a, b) => a + b, 0);
    onProgress({ ...progress });
  };
  let next = 0;
  const runOne = async (): Promise<void> => {
    while (next < batches.length) {
      const index = next++;
      const batch = batches[index]!;
      const form = new FormData();
      for (const f of batch) form.append('files', f.file, encodeURIComponent(f.path));
      const result = (await sendWithProgress(`/api/datasets/${datasetId}/files`, form, (loaded) => {
        inFlight.set(index, loaded);
        report();
      })) as {
        imported: number;
        skipped: { path: string; reason: string }[];
        textFiles: string[];
      };
      inFlight.delete(index);
      finishedBytes += batch.reduce((n, f) => n + f.file.size, 0);
      progress.processedFiles += batch.length;
      progress.imported += result.imported;
      progress.skipped.push(...result.skipped);
      progress.textFiles.push(...result.textFiles);
      report();
    }
  };
  await Promise.all([runOne(), runOne()]);
  return progress;
}

import 'server-only';
import { JOBS, previewResult, type PreviewRequest, type PreviewResult } from '@studio/shared';
import type { Access } from './access';
import { askWorker } from './ask-worker';
import { db } from './db';
import { ApiError, isUuid } from './http';

/** A 3 × 3 grid answers in about a second; a worker busy with another preview takes longer. */
export const PREVIEW_TIMEOUT_MS = 60_000;

/**
 * fastai v1 `data.show_batch(rows)`, or one photo under draws of the augmentation settings, of
 * this team's dataset version as a run with `config` would see it, computed by a worker.
 */
export async function previewVersion(
  access: Access,
  versionId: string,
  request: PreviewRequest,
  signal?: AbortSignal,
): Promise<PreviewResult> {
  const version = isUuid(versionId)
    ? await db().datasetVersion.findFirst({
        where: { id: versionId, dataset: { teamId: access.teamId } },
        select: { id: true },
      })
    : null;
  if (!version) throw new ApiError(404, `No dataset version with id ${versionId}.`);
  const answer = await askWorker(
    JOBS.preview,
    { ...request, versionId },
    {
      timeoutMs: PREVIEW_TIMEOUT_MS,
      outcome: 'No images were prepared.',
      workerDoes: 'prepares previews',
      statusOf: (message) => (/has no (training|validation) images/.test(message) ? 422 : 500),
      signal,
    },
  );
  return previewResult.parse(answer);
}

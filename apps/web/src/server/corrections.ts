import 'server-only';
import { CorrectionError, createCorrectedVersion } from '@studio/db';
import type { CorrectionsRequest } from '@studio/shared';
import type { Access } from './access';
import { recordAudit } from './audit';
import { db } from './db';
import { ApiError, isUuid } from './http';

/**
 * Saves a member's corrections from a stage's top losses as a new version of the stage's
 * dataset (the run's version stays as it is), and records it in the audit trail.
 */
export async function saveCorrections(
  access: Access,
  stageId: string,
  request: CorrectionsRequest,
) {
  const stage = isUuid(stageId)
    ? await db().stage.findFirst({
        where: { id: stageId, run: { teamId: access.teamId } },
        select: { runId: true, run: { select: { versionId: true } } },
      })
    : null;
  if (!stage) throw new ApiError(404, `No stage with id ${stageId}.`);
  let saved;
  try {
    saved = await createCorrectedVersion(
      db(),
      { versionId: stage.run.versionId, runId: stage.runId, stageId },
      request.corrections,
    );
  } catch (error) {
    if (error instanceof CorrectionError) throw new ApiError(400, error.message);
    throw error;
  }
  await recordAudit(access, 'version.correct', 'dataset', saved.datasetId, {
    versionId: saved.id,
    number: saved.number,
    fromVersionId: saved.fromVersionId,
    stageId,
    relabelled: saved.relabelled,
    excluded: saved.excluded,
  });
  return saved;
}

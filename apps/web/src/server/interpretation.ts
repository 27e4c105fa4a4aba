import 'server-only';
import {
  fromStored,
  mostConfused,
  toCsv,
  topLosses,
  type ClassPrecisionRecall,
} from '@studio/ml/interpret';
import { uploadedBackboneIdOf } from '@studio/shared';
import { ARCH_NOTES } from '@/components/runs/config-docs';
import { renderModelCard } from '@/lib/model-card';
import type { Access } from './access';
import { db } from './db';
import { ApiError, isUuid } from './http';

/** One validation image as the results page shows it; rows are ranked by loss, largest first. */
export interface RankedItem {
  fileId: string;
  actual: number;
  predicted: number;
  loss: number;
  probActual: number;
  probPredicted: number;
}

export interface ExportFileInfo {
  name: string;
  bytes: number;
}

export interface StageResults {
  run: {
    id: string;
    name: string;
    arch: string;
    datasetId: string;
    datasetName: string;
    versionNumber: number;
  };
  stage: {
    id: string;
    number: number;
    kind: string;
    params: Record<string, unknown>;
    status: string;
    finishedAt: string | null;
  };
  /** Every finished fit stage of the run, to move between them. */
  fitStages: { id: string; number: number; errorRate: number | null }[];
  interpretation: {
    classes: string[];
    n: number;
    errorRate: number;
    confusion: number[][];
    perClass: ClassPrecisionRecall[];
    /** Every validation item ranked by loss (fastai's top_losses(k=len(valid))). */
    ranked: RankedItem[];
    /** fastai's most_confused(min_val=1): (actual, predicted, count), most first. */
    confused: [string, string, number][];
  } | null;
  export: { files: ExportFileInfo[]; bytes: number } | null;
}

/** What the results page of a fit stage shows: its interpretation and its exported model. */
export async function getStageResults(
  access: Access,
  runId: string,
  stageId: string,
): Promise<StageResults | null> {
  if (!isUuid(runId) || !isUuid(stageId)) return null;
  const stage = await db().stage.findFirst({
    where: { id: stageId, runId, run: { teamId: access.teamId } },
    include: {
      run: { include: { version: { include: { dataset: { select: { name: true } } } } } },
      interpretation: true,
      export: true,
    },
  });
  if (!stage) return null;
  const stages = await db().stage.findMany({
    where: { runId },
    orderBy: { index: 'asc' },
    select: { id: true, kind: true, status: true, interpretation: { select: { errorRate: true } } },
  });
  const numberOf = new Map(stages.map((s, i) => [s.id, i + 1]));
  const row = stage.interpretation;
  let interpretation: StageResults['interpretation'] = null;
  if (row) {
    const interp = fromStored(row);
    const ranked = topLosses(interp, interp.n);
    const indexOf = new Map(row.classes.map((c, i) => [c, i]));
    interpretation = {
      classes: row.classes,
      n: interp.n,
      errorRate: row.errorRate,
      confusion: row.confusion as number[][],
      perClass: row.perClass as unknown as ClassPrecisionRecall[],
      ranked: ranked.map((r) => ({
        fileId: r.key,
        actual: indexOf.get(r.actual)!,
        predicted: indexOf.get(r.predicted)!,
        loss: r.loss,
        probActual: r.probActual,
        probPredicted: r.probPredicted,
      })),
      confused: mostConfused(interp, 1),
    };
  }
  const files = (stage.export?.files ?? []) as unknown as ExportFileInfo[];
  return {
    run: {
      id: stage.run.id,
      name: stage.run.name,
      arch: stage.run.arch,
      datasetId: stage.run.version.datasetId,
      datasetName: stage.run.version.dataset.name,
      versionNumber: stage.run.version.number,
    },
    stage: {
      id: stage.id,
      number: numberOf.get(stage.id)!,
      kind: stage.kind,
      params: stage.params as Record<string, unknown>,
      status: stage.status,
      finishedAt: stage.finishedAt?.toISOString() ?? null,
    },
    fitStages: stages
      .filter((s) => s.kind === 'fit_one_cycle' && s.status === 'done')
      .map((s) => ({
        id: s.id,
        number: numberOf.get(s.id)!,
        errorRate: s.interpretation?.errorRate ?? null,
      })),
    interpretation,
    export: stage.export
      ? {
          files: files.map((f) => ({ name: f.name, bytes: Number(f.bytes) })),
          bytes: Number(stage.export.bytes),
        }
      : null,
  };
}

/** The exported files of a stage with their blob keys, for the download. */
export async function getStageExport(access: Access, stageId: string) {
  const row = isUuid(stageId)
    ? await db().stageExport.findFirst({
        where: { stageId, stage: { run: { teamId: access.teamId } } },
        include: { stage: { select: { index: true, run: { select: { name: true } } } } },
      })
    : null;
  if (!row) {
    throw new ApiError(
      404,
      'This stage has no exported model: only finished fit_one_cycle stages have one.',
    );
  }
  return {
    files: row.files as unknown as { name: string; blobKey: string; bytes: number }[],
    runName: row.stage.run.name,
    stageIndex: row.stage.index,
  };
}

/** The confusion matrix as CSV (rows actual, columns predicted); cells are escaped against formulas. */
export async function confusionCsv(access: Access, stageId: string): Promise<string> {
  const row = isUuid(stageId)
    ? await db().stageInterpretation.findFirst({
        where: { stageId, stage: { run: { teamId: access.teamId } } },
      })
    : null;
  if (!row) {
    throw new ApiError(
      404,
      'This stage has no interpretation: only finished fit_one_cycle stages have one.',
    );
  }
  const cm = row.confusion as number[][];
  return toCsv(cm, row.classes);
}

/** Where the backbone's pretrained weights come from, for the model card. */
async function backboneProvenance(arch: string): Promise<string> {
  const uploadedId = uploadedBackboneIdOf(arch);
  if (!uploadedId) {
    return ARCH_NOTES[arch as keyof typeof ARCH_NOTES]?.note ?? arch;
  }
  const row = await db().uploadedBackbone.findUnique({ where: { id: uploadedId } });
  return row
    ? `an uploaded TensorFlow.js network, "${row.name}", cut after layer ${row.cutLayer}.`
    : `an uploaded TensorFlow.js network (id ${uploadedId}), since deleted from the studio.`;
}

/** README.md of the stage's exported model: a model card built from the run's rows. */
export async function modelCard(
  access: Access,
  stageId: string,
  preprocessing: Record<string, unknown> | null,
): Promise<string> {
  const stage = await db().stage.findFirstOrThrow({
    where: { id: stageId, run: { teamId: access.teamId } },
    include: {
      interpretation: true,
      run: {
        include: {
          version: { include: { dataset: { select: { name: true } } } },
          stages: {
            orderBy: { index: 'asc' },
            include: { interpretation: { select: { errorRate: true } } },
          },
        },
      },
    },
  });
  const { run } = stage;
  const row = stage.interpretation;
  const interp = row ? fromStored(row) : null;
  const errors = run.stages
    .map((s) => s.interpretation?.errorRate)
    .filter((e): e is number => e !== undefined);
  return renderModelCard({
    run: { name: run.name, arch: run.arch, config: run.config as Record<string, unknown> },
    backbone: await backboneProvenance(run.arch),
    dataset: {
      name: run.version.dataset.name,
      version: run.version.number,
      classes: run.version.classes,
      counts: run.version.counts as Record<string, Record<string, number>>,
    },
    preprocessing,
    stages: run.stages.map((s, i) => ({
      number: i + 1,
      kind: s.kind,
      params: s.params as Record<string, unknown>,
      status: s.status,
      errorRate: s.interpretation?.errorRate ?? null,
    })),
    stage: {
      number: run.stages.findIndex((s) => s.id === stage.id) + 1,
      errorRate: row?.errorRate ?? NaN,
      n: interp?.n ?? 0,
    },
    bestErrorRate: errors.length ? Math.min(...errors) : null,
    perClass: (row?.perClass ?? []) as unknown as ClassPrecisionRecall[],
    confused: interp ? mostConfused(interp, 1) : [],
  });
}

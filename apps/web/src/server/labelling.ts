import 'server-only';
import {
  DatasetError,
  labelFiles,
  splitDataset,
  type AnyLabelResult,
  type DatasetSplit,
  type LabelScheme,
} from '@studio/datasets';
import type { Prisma } from '@studio/db';
import type { LabellingConfig, VersionRequest } from '@studio/shared';
import type { Access } from './access';
import { recordAudit } from './audit';
import { getDatasetOrThrow, type VersionCounts } from './datasets';
import { db } from './db';
import { ApiError } from './http';

const PREVIEW_EXAMPLES = 12;
const PREVIEW_UNLABELLED = 20;

/** Turns the UI's labelling config into the datasets library's scheme (reading the CSV it names). */
async function toScheme(datasetId: string, config: LabellingConfig): Promise<LabelScheme> {
  switch (config.scheme) {
    case 'folder':
      return { kind: 'folder' };
    case 'regex':
      return { kind: 'regex', pattern: config.pattern, target: config.target };
    case 'csv': {
      const file = await db().datasetTextFile.findUnique({
        where: { datasetId_path: { datasetId, path: config.csvPath } },
      });
      if (!file) {
        const available = await db().datasetTextFile.findMany({
          where: { datasetId },
          select: { path: true },
        });
        throw new ApiError(
          400,
          `There is no ${config.csvPath} in this dataset. ${available.length ? `Text files found: ${available.map((f) => f.path).join(', ')}.` : 'No CSV came with the images: upload one with them, or paste file,label lines under List.'}`,
        );
      }
      return {
        kind: 'csv',
        csvText: file.text,
        csvPath: file.path,
        fileColumn: config.fileColumn,
        labelColumn: config.labelColumn,
        labelDelimiter: config.labelDelimiter,
      };
    }
    case 'rule':
      if (config.code) return { kind: 'script', source: config.code };
      return { kind: 'rule', steps: (config.steps ?? []) as never };
    case 'list':
      return { kind: 'list', text: config.text };
  }
}

interface Computed {
  files: { id: string; path: string }[];
  result: AnyLabelResult;
  split: DatasetSplit;
}

async function compute(datasetId: string, request: VersionRequest): Promise<Computed> {
  const files = await db().datasetFile.findMany({
    where: { datasetId },
    select: { id: true, path: true },
    orderBy: { path: 'asc' },
  });
  if (files.length === 0)
    throw new ApiError(400, 'This dataset has no images yet. Import some first.');
  const result = await labelFiles(
    files.map((f) => f.path),
    await toScheme(datasetId, request.labelling),
  );
  if (result.labels.size === 0) {
    const reasons = result.unlabelled.slice(0, 3).map((u) => `${u.path}: ${u.reason}`);
    throw new DatasetError(
      'SPLIT_INVALID',
      `No image got a label (0 of ${files.length.toLocaleString('en')}). ${reasons.join('; ')}`,
    );
  }
  const split = splitDataset(result.labels, {
    useFolderSplit: request.split.useFolderSplit ? undefined : false,
    folderSplit: result.folderSplit,
    validPct: request.split.validPct,
    seed: request.split.seed,
    isStratified: request.split.stratified,
  });
  return { files, result, split };
}

/**
 * Why a version with fewer than two classes cannot train, and what to change: a flat folder of
 * files labelled by folder gets one class, where the class is usually in the file name.
 */
export function oneClassProblem(request: VersionRequest, split: DatasetSplit): string | null {
  if (split.classes.length >= 2) return null;
  const only = split.classes[0];
  const why = `Every labelled image got the same label${only === undefined ? '' : ` ("${only}")`}: a classifier needs at least two classes to tell apart.`;
  const fix =
    request.labelling.scheme === 'folder'
      ? 'The images sit in one folder, so the folder scheme gives them one class. If the class is in each file name (as in "Abyssinian_1.jpg"), choose "Regular expression" with a pattern such as ([^/]+)_\\d+\\.jpg$; otherwise put each class in a folder of its own.'
      : 'Check that the labelling gives at least two different labels, or import images of another class.';
  return `${why} ${fix}`;
}

function warningsOf(result: AnyLabelResult): string[] {
  const warnings: string[] = [];
  if (result.missingFiles?.length) {
    const shown = result.missingFiles.slice(0, 3).map((m) => `line ${m.line}: "${m.name}"`);
    warnings.push(
      `${result.missingFiles.length.toLocaleString('en')} names in the list have no image in the dataset (${shown.join(', ')}${result.missingFiles.length > 3 ? ', …' : ''}).`,
    );
  }
  for (const p of (result.problems ?? []).slice(0, 5)) warnings.push(`Line ${p.line}: ${p.reason}`);
  return warnings;
}

const labelText = (label: string | string[]) => (Array.isArray(label) ? label.join(' ') : label);

/** The live preview: examples, unlabelled files with reasons, classes and per-split counts. */
export async function previewLabelling(access: Access, datasetId: string, request: VersionRequest) {
  await getDatasetOrThrow(access, datasetId);
  const { result, split } = await compute(datasetId, request);
  const unlabelled = [...result.unlabelled, ...split.excluded];
  return {
    examples: result.examples
      .slice(0, PREVIEW_EXAMPLES)
      .map((e) => ({ path: e.path, label: labelText(e.label) })),
    unlabelled: { count: unlabelled.length, examples: unlabelled.slice(0, PREVIEW_UNLABELLED) },
    classes: split.classes,
    counts: split.counts as VersionCounts,
    splitKind: split.method === 'folders' ? 'folders' : 'random',
    labelled: split.assignments.size,
    warnings: [oneClassProblem(request, split), ...warningsOf(result)].filter(
      (w): w is string => w !== null,
    ),
  };
}

/** Saves an immutable, numbered dataset version: the labelling, the split and every item. */
export async function createVersion(access: Access, datasetId: string, request: VersionRequest) {
  await getDatasetOrThrow(access, datasetId);
  const { files, result, split } = await compute(datasetId, request);
  const oneClass = oneClassProblem(request, split);
  if (oneClass) throw new ApiError(400, `The version was not saved. ${oneClass}`);
  const idByPath = new Map(files.map((f) => [f.path, f.id]));
  const items = [...split.assignments].map(([path, name]) => {
    const label = result.labels.get(path)!;
    return {
      fileId: idByPath.get(path)!,
      labels: Array.isArray(label) ? label : [label],
      split: name,
    };
  });
  const unlabelled = result.unlabelled.length + split.excluded.length;
  const saved = await db().$transaction(
    async (tx) => {
      // Serialises concurrent saves of one dataset so version numbers stay unique and gapless.
      await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', datasetId);
      const last = await tx.datasetVersion.findFirst({
        where: { datasetId },
        orderBy: { number: 'desc' },
        select: { number: true },
      });
      const version = await tx.datasetVersion.create({
        data: {
          datasetId,
          number: (last?.number ?? 0) + 1,
          labelling: request.labelling as Prisma.InputJsonValue,
          split: { ...request.split, kind: split.method === 'folders' ? 'folders' : 'random' },
          classes: split.classes,
          counts: split.counts,
          unlabelled,
        },
      });
      for (let at = 0; at < items.length; at += 5000) {
        await tx.datasetVersionItem.createMany({
          data: items.slice(at, at + 5000).map((i) => ({ ...i, versionId: version.id })),
        });
      }
      return {
        id: version.id,
        number: version.number,
        classes: version.classes,
        counts: split.counts,
        unlabelled,
      };
    },
    { timeout: 60_000 },
  );
  await recordAudit(access, 'version.create', 'dataset', datasetId, {
    versionId: saved.id,
    number: saved.number,
  });
  return saved;
}

/** The versions of one of the team's datasets, oldest first. */
export async function listVersions(access: Access, datasetId: string) {
  await getDatasetOrThrow(access, datasetId);
  return db().datasetVersion.findMany({
    where: { datasetId, dataset: { teamId: access.teamId } },
    orderBy: { number: 'asc' },
  });
}

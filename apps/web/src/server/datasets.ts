import 'server-only';
import type { Access } from './access';
import { recordAudit } from './audit';
import { db } from './db';
import { ApiError, isUuid } from './http';

export interface DatasetSummary {
  id: string;
  name: string;
  status: string;
  sourceKind: string;
  files: number;
  skipped: number;
  versions: number;
  createdAt: string;
  archived: boolean;
}

/** The team's datasets in use, or (`archived`) the archived ones. */
export async function listDatasets(
  access: Access,
  { archived = false } = {},
): Promise<DatasetSummary[]> {
  const rows = await db().dataset.findMany({
    where: { teamId: access.teamId, archivedAt: archived ? { not: null } : null },
    orderBy: { createdAt: 'desc' },
    include: { _count: { select: { files: true, skipped: true, versions: true } } },
  });
  return rows.map((d) => ({
    id: d.id,
    name: d.name,
    status: d.status,
    sourceKind: d.sourceKind,
    files: d._count.files,
    skipped: d._count.skipped,
    versions: d._count.versions,
    createdAt: d.createdAt.toISOString(),
    archived: d.archivedAt !== null,
  }));
}

/** A dataset of the access's team; another team's id answers 404 exactly like an unknown one. */
export async function getDatasetOrThrow(access: Access, id: string) {
  if (!isUuid(id)) throw new ApiError(404, `No dataset with id ${JSON.stringify(id)}.`);
  const dataset = await db().dataset.findFirst({
    where: { id, teamId: access.teamId },
    include: { _count: { select: { files: true, skipped: true, versions: true } } },
  });
  if (!dataset) throw new ApiError(404, `No dataset with id ${id}.`);
  return dataset;
}

export async function createDataset(
  access: Access,
  name: string,
  sourceKind: string,
  sourceUrl?: string,
) {
  const dataset = await db().dataset.create({
    data: { name, sourceKind, sourceUrl, teamId: access.teamId, createdById: access.userId },
  });
  await recordAudit(access, 'dataset.create', 'dataset', dataset.id, { name, sourceKind });
  return dataset;
}

export interface FolderListing {
  dir: string;
  folders: { name: string; path: string; files: number }[];
  files: {
    id: string;
    name: string;
    path: string;
    width: number;
    height: number;
    format: string;
    bytes: number;
  }[];
  totalFiles: number;
}

/** `path.ls()` for one folder of a dataset: its sub-folders with image counts, and its images. */
export async function listFolder(
  access: Access,
  datasetId: string,
  dir: string,
  limit = 200,
): Promise<FolderListing> {
  await getDatasetOrThrow(access, datasetId);
  const prefix = dir ? `${dir.replace(/\/+$/, '')}/` : '';
  const folders = await db().$queryRawUnsafe<{ name: string; files: bigint }[]>(
    `SELECT split_part(substr(path, $2), '/', 1) AS name, count(*) AS files
       FROM "DatasetFile"
      WHERE "datasetId" = $1::uuid AND starts_with(path, $3) AND position('/' in substr(path, $2)) > 0
      GROUP BY 1 ORDER BY 1`,
    datasetId,
    prefix.length + 1,
    prefix,
  );
  const files = await db().$queryRawUnsafe<
    { id: string; path: string; width: number; height: number; format: string; bytes: number }[]
  >(
    `SELECT id::text, path, width, height, format, bytes FROM "DatasetFile"
      WHERE "datasetId" = $1::uuid AND starts_with(path, $3) AND position('/' in substr(path, $2)) = 0
      ORDER BY path LIMIT $4`,
    datasetId,
    prefix.length + 1,
    prefix,
    limit,
  );
  const total = await db().datasetFile.count({
    where: { datasetId, path: { startsWith: prefix } },
  });
  return {
    dir: prefix.replace(/\/$/, ''),
    folders: folders.map((f) => ({ name: f.name, path: prefix + f.name, files: Number(f.files) })),
    files: files.map((f) => ({ ...f, name: f.path.slice(prefix.length) })),
    totalFiles: total,
  };
}

export type DatasetDetail = NonNullable<Awaited<ReturnType<typeof getDatasetDetail>>>;

/** Everything the dataset page shows on first paint, serialisable for client components. */
export async function getDatasetDetail(access: Access, id: string) {
  if (!isUuid(id)) return null;
  const dataset = await db().dataset.findFirst({
    where: { id, teamId: access.teamId },
    include: {
      _count: { select: { files: true, skipped: true } },
      skipped: { orderBy: { path: 'asc' }, take: 1000 },
      imports: { orderBy: { createdAt: 'desc' }, take: 5 },
      textFiles: { select: { path: true } },
      versions: { orderBy: { number: 'desc' }, include: { _count: { select: { runs: true } } } },
    },
  });
  if (!dataset) return null;
  const samplePaths = await db().datasetFile.findMany({
    where: { datasetId: id },
    select: { path: true },
    orderBy: { path: 'asc' },
    take: 5,
  });
  return {
    id: dataset.id,
    name: dataset.name,
    status: dataset.status,
    error: dataset.error,
    sourceKind: dataset.sourceKind,
    sourceUrl: dataset.sourceUrl,
    createdAt: dataset.createdAt.toISOString(),
    createdById: dataset.createdById,
    archived: dataset.archivedAt !== null,
    fileCount: dataset._count.files,
    skippedCount: dataset._count.skipped,
    skipped: dataset.skipped.map((s) => ({ path: s.path, reason: s.reason })),
    imports: dataset.imports.map((t) => ({
      id: t.id,
      kind: t.kind,
      status: t.status,
      done: t.done,
      total: t.total,
      message: t.message,
      error: t.error,
    })),
    textFiles: dataset.textFiles.map((t) => t.path),
    samplePaths: samplePaths.map((p) => p.path),
    versions: dataset.versions.map((v) => ({
      id: v.id,
      number: v.number,
      labelling: v.labelling as Record<string, unknown>,
      split: v.split as Record<string, unknown>,
      classes: v.classes,
      counts: v.counts as VersionCounts,
      unlabelled: v.unlabelled,
      createdAt: v.createdAt.toISOString(),
      runs: v._count.runs,
    })),
  };
}

/** Per split, per class image counts of a dataset version. */
export type VersionCounts = Record<'train' | 'valid' | 'test', Record<string, number>>;

/** One image of the team's datasets (for the image and thumbnail route). */
export async function getDatasetFileOrThrow(access: Access, id: string) {
  const file = isUuid(id)
    ? await db().datasetFile.findFirst({ where: { id, dataset: { teamId: access.teamId } } })
    : null;
  if (!file) throw new ApiError(404, `No image with id ${id}.`);
  return file;
}

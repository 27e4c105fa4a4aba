import 'server-only';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Prisma } from '@studio/db';
import { DatasetError, readZipEntries } from '@studio/datasets';
import { BackboneFilesError, checkBackboneFiles } from '@studio/ml/backbone-check';
import {
  backboneFiles,
  backboneInputShape,
  backboneNormalization,
  NORMALIZATION_PRESETS,
  uploadedArch,
  type BackboneFile,
  type BackboneNormalization,
  type UploadedBackboneSummary,
} from '@studio/shared';
import type { Access } from './access';
import { readCappedFormData } from './capped-form-data';
import { recordAudit } from './audit';
import { blobs, db } from './db';
import { ApiError, isUuid } from './http';
import { formatMib } from './request-body';

/** model.json and its shards together; far above MobileNets and ResNet-50 (~100 MB). */
export const MAX_BACKBONE_BYTES = 300 * 1024 * 1024;

export interface BackboneUpload {
  name: string;
  files: { name: string; bytes: Uint8Array }[];
  /** Default: the last layer with a 4-D output. */
  cutLayer?: string;
  /** Default: pixels in [0, 1]. */
  normalization?: BackboneNormalization;
}

export interface CreatedBackbone {
  backbone: UploadedBackboneSummary;
  /** Uploaded files the model does not need (a README, labels.json…), not stored. */
  ignored: string[];
}

const tooLarge = (received: number, maxBytes: number) =>
  new ApiError(
    413,
    `The backbone's files total ${formatMib(received)}, over the limit of ${formatMib(maxBytes)}. Upload only model.json and the weight files it names.`,
  );

/**
 * Reads POST /api/backbones: a multipart form with `name`, `files` (model.json and its shards,
 * or one .zip of the folder), and optional `cutLayer`, `mean` and `std` ("0.5, 0.5, 0.5").
 */
export async function readBackboneForm(
  request: Request,
  maxBytes = MAX_BACKBONE_BYTES,
): Promise<BackboneUpload> {
  // The form's own fields and part headers get 64 KiB on top of the files.
  const form = await readCappedFormData(request, maxBytes + 64 * 1024, (received) =>
    tooLarge(received, maxBytes),
  ).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 400)
      throw new ApiError(400, 'Expected a multipart form with "name" and "files".');
    throw error;
  });
  const text = (key: string) => {
    const value = form.get(key);
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const name = text('name');
  if (!name || name.length > 200)
    throw new ApiError(400, 'Give the backbone a name (1 to 200 characters).');
  const parts = form.getAll('files').filter((f): f is File => typeof f !== 'string');
  if (parts.length === 0)
    throw new ApiError(
      400,
      'The request carried no files (form field "files"): add model.json and its .bin shards.',
    );
  const received = parts.reduce((n, f) => n + f.size, 0);
  if (received > maxBytes) throw tooLarge(received, maxBytes);
  const isZip = parts.length === 1 && /\.zip$/i.test(parts[0]!.name);
  const files = isZip
    ? await readZippedFolder(parts[0]!, maxBytes)
    : await Promise.all(
        parts.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
      );
  return { name, files, cutLayer: text('cutLayer'), normalization: readNormalization(text) };
}

function readNormalization(
  text: (key: string) => string | undefined,
): BackboneNormalization | undefined {
  const [mean, std] = [text('mean'), text('std')];
  if (mean === undefined && std === undefined) return undefined;
  const triple = (value: string | undefined) =>
    (value ?? '')
      .replace(/[[\]]/g, '')
      .split(',')
      .map((v) => Number(v.trim()));
  const parsed = backboneNormalization.safeParse({ mean: triple(mean), std: triple(std) });
  if (!parsed.success) {
    throw new ApiError(
      400,
      `mean and std must each be three numbers, std above 0 (received mean "${mean ?? ''}", std "${std ?? ''}"). Example for [-1, 1] inputs: mean 0.5, 0.5, 0.5 and std 0.5, 0.5, 0.5.`,
    );
  }
  return parsed.data;
}

/** The files of a zipped model folder, by file name (the folder inside the zip does not matter). */
async function readZippedFolder(zip: File, maxBytes: number) {
  const dir = await mkdtemp(path.join(tmpdir(), 'studio-backbone-'));
  try {
    const zipPath = path.join(dir, 'upload.zip');
    await writeFile(zipPath, new Uint8Array(await zip.arrayBuffer()));
    const files: { name: string; bytes: Uint8Array }[] = [];
    const limits = { maxEntries: 1000, maxEntryBytes: maxBytes, maxTotalBytes: maxBytes };
    for await (const entry of readZipEntries(zipPath, { limits })) {
      if (entry.kind === 'file')
        files.push({ name: path.posix.basename(entry.path), bytes: entry.bytes });
    }
    return files;
  } catch (error) {
    if (error instanceof DatasetError && error.code === 'LIMIT_EXCEEDED')
      throw new ApiError(413, error.message);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Checks the files (packages/ml checkBackboneFiles: topology, every shard with the right size,
 * a 3-channel image input, the cut layer) before storing anything, then stores model.json and
 * its shards as blobs under backbone/<id>/ and the row that describes them.
 */
export async function createUploadedBackbone(
  access: Access,
  upload: BackboneUpload,
  maxBytes = MAX_BACKBONE_BYTES,
): Promise<CreatedBackbone> {
  const byName = new Map<string, Uint8Array>();
  for (const file of upload.files) {
    if (byName.has(file.name))
      throw new ApiError(400, `Two uploaded files are named "${file.name}"; upload one folder.`);
    byName.set(file.name, file.bytes);
  }
  const modelJson = byName.get('model.json');
  if (!modelJson) {
    throw new ApiError(
      400,
      `No model.json among the uploaded files (received: ${[...byName.keys()].slice(0, 8).join(', ')}). Upload the folder tensorflowjs_converter wrote: model.json and its group*-shard*of* files.`,
    );
  }
  const sizes = new Map([...byName].map(([name, bytes]) => [name, bytes.byteLength]));
  let check;
  try {
    check = checkBackboneFiles(modelJson, sizes, { cutLayer: upload.cutLayer });
  } catch (error) {
    if (error instanceof BackboneFilesError)
      throw new ApiError(400, error.message, { code: error.code });
    throw error;
  }
  const kept = ['model.json', ...new Set(check.weightFiles)];
  const total = kept.reduce((n, name) => n + sizes.get(name)!, 0);
  if (total > maxBytes) throw tooLarge(total, maxBytes);

  const id = randomUUID();
  const files: BackboneFile[] = kept.map((name) => ({
    name,
    blobKey: `backbone/${id}/${name}`,
    bytes: sizes.get(name)!,
  }));
  await blobs().putMany(
    files.map((f) => ({
      key: f.blobKey,
      bytes: byName.get(f.name)!,
      contentType: f.name === 'model.json' ? 'application/json' : 'application/octet-stream',
    })),
  );
  try {
    const row = await db().uploadedBackbone.create({
      data: {
        id,
        name: upload.name,
        files: files as unknown as Prisma.InputJsonValue,
        bytes: BigInt(total),
        inputShape: check.inputShape,
        normalization: (upload.normalization ??
          NORMALIZATION_PRESETS.unit.stats) as Prisma.InputJsonValue,
        cutLayer: check.cutLayer,
        teamId: access.teamId,
        createdById: access.userId,
      },
    });
    await recordAudit(access, 'backbone.create', 'backbone', id, {
      name: row.name,
      bytes: total,
    });
    return {
      backbone: summarize(row, 0),
      ignored: [...byName.keys()].filter((n) => !kept.includes(n)),
    };
  } catch (error) {
    await deleteBlobs(db(), id);
    throw error;
  }
}

type BackboneRow = Prisma.UploadedBackboneGetPayload<object>;

function summarize(row: BackboneRow, runCount: number): UploadedBackboneSummary {
  return {
    id: row.id,
    arch: uploadedArch(row.id),
    name: row.name,
    bytes: Number(row.bytes),
    files: backboneFiles.parse(row.files).map((f) => f.name),
    inputShape: backboneInputShape.parse(row.inputShape),
    normalization: backboneNormalization.parse(row.normalization),
    cutLayer: row.cutLayer,
    createdAt: row.createdAt.toISOString(),
    runCount,
  };
}

/** Every uploaded backbone, newest first, with how many runs train from each. */
export async function listUploadedBackbones(access: Access): Promise<UploadedBackboneSummary[]> {
  const rows = await db().uploadedBackbone.findMany({
    where: { teamId: access.teamId },
    orderBy: { createdAt: 'desc' },
  });
  const counts = await db().run.groupBy({
    by: ['arch'],
    where: { teamId: access.teamId, arch: { in: rows.map((r) => uploadedArch(r.id)) } },
    _count: { _all: true },
  });
  const countOf = new Map(counts.map((c) => [c.arch, c._count._all]));
  return rows.map((row) => summarize(row, countOf.get(uploadedArch(row.id)) ?? 0));
}

export async function getUploadedBackboneOrThrow(access: Access, id: string) {
  const row = isUuid(id)
    ? await db().uploadedBackbone.findFirst({ where: { id, teamId: access.teamId } })
    : null;
  if (!row) throw new ApiError(404, `No uploaded backbone with id ${id}.`);
  return row;
}

/** Removes a backbone and its files; refused (409) while a run trains from it. */
export async function deleteUploadedBackbone(access: Access, id: string): Promise<void> {
  const row = await getUploadedBackboneOrThrow(access, id);
  await db().$transaction(async (tx) => {
    const runs = await tx.run.findMany({
      where: { arch: uploadedArch(id) },
      select: { name: true },
      orderBy: { createdAt: 'desc' },
    });
    if (runs.length > 0) {
      const names = runs.slice(0, 3).map((r) => `"${r.name}"`);
      throw new ApiError(
        409,
        `${runs.length === 1 ? '1 run trains' : `${runs.length} runs train`} from "${row.name}" (${names.join(', ')}${runs.length > 3 ? ', …' : ''}); it stays while runs use it, since their training and checkpoints need its weights.`,
      );
    }
    await tx.uploadedBackbone.delete({ where: { id } });
    await deleteBlobs(tx, id);
  });
  await recordAudit(access, 'backbone.delete', 'backbone', id, { name: row.name });
}

function deleteBlobs(client: Pick<Prisma.TransactionClient, 'blob'>, id: string) {
  // Chunks go with their blob (ON DELETE CASCADE).
  return client.blob.deleteMany({ where: { key: { startsWith: `backbone/${id}/` } } });
}

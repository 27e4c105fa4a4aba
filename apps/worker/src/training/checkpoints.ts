import { retryOnConnectionLoss, type Db, type PostgresBlobStore } from '@studio/db';

/** Kinds of saved learner state (see the Checkpoint model). */
export type CheckpointKind = 'current' | 'epoch' | 'named';

/**
 * Writes learner bytes as a run's checkpoint: a fresh blob first, then the row pointing at it,
 * then the blob it replaced is removed, so a crash at any point leaves a readable checkpoint (and
 * at worst a blob no row names, which the orphan sweep removes). Checkpoint reads and writes are
 * retried while the database is unreachable.
 */
export function writeCheckpoint(
  db: Db,
  blobs: PostgresBlobStore,
  target: { runId: string; kind: CheckpointKind; name: string; stageId?: string; epoch?: number },
  bytes: Uint8Array,
  log?: (message: string) => void,
): Promise<void> {
  return retryOnConnectionLoss(() => writeOnce(db, blobs, target, bytes), {
    log,
    what: `saving the ${target.kind} checkpoint`,
  });
}

async function writeOnce(
  db: Db,
  blobs: PostgresBlobStore,
  target: { runId: string; kind: CheckpointKind; name: string; stageId?: string; epoch?: number },
  bytes: Uint8Array,
): Promise<void> {
  const blobKey = `ckpt:${target.runId}:${target.kind}:${target.name}:${Date.now()}`;
  await blobs.putStream(blobKey, chunksOf(bytes), 'application/octet-stream');
  const previous = await db.checkpoint.findUnique({
    where: { runId_kind_name: { runId: target.runId, kind: target.kind, name: target.name } },
  });
  await db.checkpoint.upsert({
    where: { runId_kind_name: { runId: target.runId, kind: target.kind, name: target.name } },
    create: { ...target, blobKey, bytes: BigInt(bytes.length) },
    update: { blobKey, bytes: BigInt(bytes.length), stageId: target.stageId, epoch: target.epoch },
  });
  if (previous && previous.blobKey !== blobKey) await blobs.delete(previous.blobKey);
}

export function readCheckpoint(
  db: Db,
  blobs: PostgresBlobStore,
  runId: string,
  kind: CheckpointKind,
  name: string,
): Promise<Uint8Array | null> {
  return retryOnConnectionLoss(async () => {
    const where = { runId_kind_name: { runId, kind, name } };
    const row = await db.checkpoint.findUnique({ where });
    if (!row) return null;
    const parts: Buffer[] = [];
    for await (const part of blobs.stream(row.blobKey)) parts.push(part as Buffer);
    return new Uint8Array(Buffer.concat(parts));
  });
}

export function deleteCheckpoint(
  db: Db,
  blobs: PostgresBlobStore,
  runId: string,
  kind: CheckpointKind,
  name: string,
): Promise<void> {
  return retryOnConnectionLoss(async () => {
    const where = { runId_kind_name: { runId, kind, name } };
    const row = await db.checkpoint.findUnique({ where });
    if (!row) return;
    await db.checkpoint.deleteMany({ where: { id: row.id } });
    await blobs.delete(row.blobKey);
  });
}

async function* chunksOf(bytes: Uint8Array, size = 1024 * 1024): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

import type { Db, PostgresBlobStore } from '@studio/db';
import { disposeExport, loadExport, type ExportedModel, type ExportFiles } from '@studio/ml';
import { Lru } from './lru';

/** A stage that has no exported model: asking again will not help. */
export class MissingExportError extends Error {}

/**
 * The exported models of the stages predicted with most recently, read from blobs (fastai v1
 * `load_learner`) and kept loaded. A stage whose export was rewritten is loaded afresh.
 */
export class StageModels {
  private readonly cache: Lru<ExportedModel>;

  constructor(
    private readonly db: Db,
    private readonly blobs: PostgresBlobStore,
    capacity = 2,
  ) {
    this.cache = new Lru(capacity, disposeExport);
  }

  async get(stageId: string): Promise<ExportedModel> {
    const row = await this.db.stageExport.findUnique({
      where: { stageId },
      select: { files: true, createdAt: true },
    });
    if (!row) {
      throw new MissingExportError(
        `Stage ${stageId} has no exported model; only finished fit stages have one.`,
      );
    }
    const files = row.files as { name: string; blobKey: string }[];
    return this.cache.get(`${stageId}@${row.createdAt.toISOString()}`, async () => {
      const bundle: ExportFiles = new Map();
      for (const file of files) bundle.set(file.name, await this.blobs.get(file.blobKey));
      return loadExport(bundle);
    });
  }

  /** Frees every loaded model. */
  close(): void {
    this.cache.clear();
  }
}

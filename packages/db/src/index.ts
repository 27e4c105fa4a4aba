export { createDb, type Db } from './client';
export {
  PostgresBlobStore,
  BlobTooLargeError,
  BLOB_CHUNK_BYTES,
  type BlobInfo,
} from './blob-store';
export {
  createImageStore,
  importIntoDataset,
  saveImportResult,
  ImportBlobsRemovedError,
  imageBlobKey,
  thumbnailBlobKey,
  imageContentType,
} from './dataset-import';
export * from './generated/prisma/client';
export { isConnectionLoss, retryOnConnectionLoss, type RetryOptions } from './retry';
export { sweepOrphanBlobs, type SweepResult } from './blob-sweep';
export {
  datasetDeleteBlocker,
  datasetFootprint,
  DeleteBlockedError,
  purgeDataset,
  purgeRun,
  runDeleteBlocker,
  runFootprint,
  type Footprint,
} from './purge';
export {
  createCorrectedVersion,
  CorrectionError,
  type CorrectionsLabelling,
  type LabelCorrection,
} from './corrected-version';

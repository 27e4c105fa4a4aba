/**
 * @studio/datasets: importing, scanning, labelling and splitting image datasets
 * (fast.ai lesson 1's `untar_data`, `get_image_files`, `ImageDataBunch.from_*`, `valid_pct`).
 * Pure library: storage is an `ImageStore` the caller passes in; no database, queue or web code.
 *
 * Typical flow:
 *   const entries = readArchiveEntries(path) | readZipEntries(path) | readTarEntries(stream) | readUploadedFiles(files) | readDirectoryEntries(dir);
 *   const imported = await importEntries(entries, store, { onProgress });
 *   const labelled = await labelFiles(imported.files.map((f) => f.path), scheme);
 *   const split = splitDataset(labelled.labels, { folderSplit: labelled.folderSplit, validPct: 0.2, seed: 42 });
 */

// Errors and limits
export { DatasetError, type DatasetErrorCode } from './errors';
export { DEFAULT_LIMITS, resolveLimits, type ImportLimits } from './limits';

// Sources: archive, upload or folder → entries with safe keys
export { toEntryKey, isIgnoredKey, type EntryNameVerdict } from './entry-key';
export type { SourceEntry, SourceOptions, EntryType } from './source-entry';
export { readZipEntries } from './zip-source';
export { readTarEntries } from './tar-source';
export { readUploadedFiles, type UploadedFile } from './upload-source';
export { readDirectoryEntries } from './directory-source';
export {
  readArchiveEntries,
  detectArchiveFormat,
  checkArchiveHead,
  type ArchiveFormat,
} from './archive-source';
// URL imports: which hosts and addresses may be fetched
export {
  checkImportUrl,
  isSpecialUseAddress,
  parseAllowedImportHosts,
  resolveImportHost,
  type AllowedImportHosts,
  type ResolvedAddress,
} from './import-url-policy';

// Scanning and importing
export { sniffFormat, type ImageFormat, type SniffResult } from './sniff-format';
export {
  scanImage,
  DEFAULT_MAX_PIXELS,
  type ScanOptions,
  type ScanResult,
  type ImageInfo,
  type Thumbnail,
} from './scan-image';
export { createMemoryStore, type ImageStore, type StoredImageMeta } from './image-store';
export {
  importEntries,
  type ImportOptions,
  type ImportResult,
  type ImportProgress,
  type ImportedFile,
  type SkippedFile,
  type TextFile,
} from './import-entries';

// Labelling schemes
export type { Label, LabelResult, UnlabelledFile } from './label-result';
export {
  labelByFolder,
  type FolderLabelConfig,
  type FolderLabelResult,
  type SplitName,
} from './label-folder';
export { labelByCsv, findLabelsCsv, DEFAULT_CSV_PATH, type CsvLabelConfig } from './label-csv';
export type { ListedLabelResult, RowProblem } from './label-listed-rows';
export { labelByRegex, type RegexLabelConfig } from './label-regex';
export { compileUserRegex, type UserRegex } from './compile-user-regex';
export { labelByRule, type RuleLabelConfig, type RuleStep } from './label-rule';
export { labelByScript, type ScriptLabelConfig } from './label-script';
export { labelByList, type ListLabelConfig } from './label-list';
export { labelFiles, type LabelScheme, type AnyLabelResult } from './label-files';
export { parseCsv, type CsvRow, type ParseCsvOptions } from './parse-csv';

// Splitting
export { splitDataset, type SplitConfig, type DatasetSplit } from './split-dataset';
export { createMulberry32 } from './seeded-random';

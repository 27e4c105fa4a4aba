/** The file names of an exported model bundle (fastai v1 `export.pkl`, split into plain files). */
export const MODEL_JSON = 'model.json';
export const CLASSES_JSON = 'classes.json';
export const PREPROCESSING_JSON = 'preprocessing.json';
/** The same network as ONNX (NHWC input "input", output "output"), for ONNX Runtime. */
export const MODEL_ONNX = 'model.onnx';

/** File name → contents: what `exportModel` returns, `writeExport` writes and `loadExport` reads. */
export type ExportFiles = Map<string, Uint8Array>;

/** Weight shards the size tfjs's own browser exporter uses, so each stays cacheable and uploadable. */
export const SHARD_BYTES = 4 * 1024 * 1024;

/** A bundle file name must be a plain name: no folders, nothing that could leave the bundle. */
export function checkBundleFileName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.includes('..')) {
    throw new Error(
      `"${name}" is not a valid file name in an exported model: use letters, digits, ".", "_" and "-" only, no folders.`,
    );
  }
}

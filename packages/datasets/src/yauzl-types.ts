import yauzl from 'yauzl';

/**
 * The parts of yauzl 3 that @types/yauzl (written for v2) does not declare. With
 * `decodeStrings: false` yauzl hands back raw name bytes and skips its own name checks, so
 * we decode them exactly as yauzl would and then apply our stricter key rules.
 */
export interface RawZipEntry extends yauzl.Entry {
  fileNameRaw: Buffer;
  extraFields: Array<{ id: number; data: Buffer }>;
}

type GetFileNameLowLevel = (
  generalPurposeBitFlag: number,
  fileNameBuffer: Buffer,
  extraFields: Array<{ id: number; data: Buffer }>,
  strictFileNames: boolean,
) => string;

/**
 * Decodes a zip entry name like yauzl: the Info-ZIP Unicode Path field if present, UTF-8
 * when the language-encoding flag is set (invalid bytes become U+FFFD), otherwise CP437.
 */
export const decodeZipEntryName: (entry: RawZipEntry) => string = (entry) =>
  (yauzl as unknown as { getFileNameLowLevel: GetFileNameLowLevel }).getFileNameLowLevel(
    entry.generalPurposeBitFlag,
    entry.fileNameRaw,
    entry.extraFields,
    // strict: keep backslashes as they are; toEntryKey treats them as separators itself.
    true,
  );

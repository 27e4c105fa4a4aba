// The one error every check of an uploaded backbone throws: a code for callers, a message for people.

export type BackboneFilesErrorCode =
  | 'NOT_LAYERS_MODEL'
  | 'UNSAFE_FILE_NAME'
  | 'MISSING_SHARD'
  | 'SHARD_SIZE'
  | 'BAD_INPUT'
  | 'NO_FEATURE_MAP'
  | 'UNKNOWN_LAYER'
  | 'BAD_CUT_LAYER';

/** An upload that cannot become a backbone; the message names the file or layer and the fix. */
export class BackboneFilesError extends Error {
  override readonly name = 'BackboneFilesError';
  constructor(
    readonly code: BackboneFilesErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Throws a BackboneFilesError (an expression, so `return fail(...)` narrows). */
export const fail = (code: BackboneFilesErrorCode, message: string): never => {
  throw new BackboneFilesError(code, message);
};

/** Up to `max` names in quotes, for a message: `"a", "b" and 3 more`. */
export const quote = (names: readonly string[], max = 6) =>
  names.length === 0
    ? 'none'
    : names
        .slice(0, max)
        .map((n) => `"${n}"`)
        .join(', ') + (names.length > max ? ` and ${names.length - max} more` : '');

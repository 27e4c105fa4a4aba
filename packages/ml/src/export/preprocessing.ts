/**
 * preprocessing.json of an exported model: everything needed to turn image bytes into the
 * model's input the way validation did (fastai v1 `learn.export()` pickles the DataBunch's
 * transforms and normalisation for the same reason). Checked by hand: packages/ml has no zod.
 */
import type { ResizeMode } from '../data/decode';
import type { NormalizeSpec } from '../data/normalize';

export const PREPROCESSING_FORMAT = 1;

export interface Preprocessing {
  /** Square side the model sees. */
  size: number;
  resizeMode: ResizeMode;
  normalize: NormalizeSpec;
  /** Model input without the batch axis: [size, size, 3]. */
  inputShape: [number, number, number];
  /** Architecture id ('resnet34', 'mobilenet_v2_0.35', 'custom', …); informational. */
  arch: string;
  /** ISO 8601 time of the export. */
  createdAt: string;
  /**
   * Which epoch's weights the model holds (0-based, of its fit stage): the last one, or the best
   * one when the stage restored it. Informational; absent when not known.
   */
  weights?: { kind: 'last' | 'best'; epoch: number };
  format: typeof PREPROCESSING_FORMAT;
}

const RESIZE_MODES: readonly string[] = ['crop', 'pad', 'squish'];

type Check = (value: unknown) => string | null;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isTriple = (v: unknown): boolean =>
  Array.isArray(v) && v.length === 3 && v.every(isFiniteNumber);

const checkNormalize: Check = (v) => {
  if (!isRecord(v)) return 'an object with "kind"';
  if (v.kind === 'imagenet') return null;
  if (v.kind === 'stats') {
    return isTriple(v.mean) && isTriple(v.std) && (v.std as number[]).every((s) => s > 0)
      ? null
      : '{ kind: "stats", mean: [3 numbers], std: [3 numbers > 0] }';
  }
  if (v.kind === 'scale') {
    return isFiniteNumber(v.min) && isFiniteNumber(v.max) && v.max > v.min
      ? null
      : '{ kind: "scale", min, max } with max > min';
  }
  return 'kind "imagenet", "stats" or "scale"';
};

const FIELDS: Record<keyof Preprocessing, Check> = {
  size: (v) => (Number.isInteger(v) && (v as number) >= 2 ? null : 'an integer >= 2'),
  resizeMode: (v) => (RESIZE_MODES.includes(v as string) ? null : '"crop", "pad" or "squish"'),
  normalize: checkNormalize,
  inputShape: (v) =>
    Array.isArray(v) && v.length === 3 && v.every((d) => Number.isInteger(d) && d > 0)
      ? null
      : '[height, width, channels], positive integers',
  arch: (v) => (typeof v === 'string' && v !== '' ? null : 'a non-empty string'),
  createdAt: (v) =>
    typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? null : 'an ISO 8601 date string',
  format: (v) => (v === PREPROCESSING_FORMAT ? null : `${PREPROCESSING_FORMAT}`),
  weights: (v) =>
    v === undefined ||
    (isRecord(v) && (v.kind === 'last' || v.kind === 'best') && Number.isInteger(v.epoch))
      ? null
      : '{ kind: "last" | "best", epoch: integer } or absent',
};

/**
 * Parses and checks preprocessing.json. `where` names the file in messages. Every problem is
 * listed at once, each with what was expected and what was found.
 */
export function parsePreprocessing(bytes: Uint8Array, where: string): Preprocessing {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Error(
      `${where} is not valid JSON (${(error as Error).message}). Re-export the model to rewrite it.`,
    );
  }
  return validatePreprocessing(json, where);
}

export function validatePreprocessing(json: unknown, where = 'preprocessing.json'): Preprocessing {
  if (!isRecord(json)) {
    throw new Error(`${where} must hold a JSON object, found ${describe(json)}.`);
  }
  const problems = Object.entries(FIELDS).flatMap(([name, check]) => {
    const expected = check(json[name]);
    return expected == null
      ? []
      : [`"${name}" must be ${expected}, found ${name in json ? describe(json[name]) : 'nothing'}`];
  });
  const shape = json.inputShape as number[];
  if (
    problems.length === 0 &&
    (shape[0] !== json.size || shape[1] !== json.size || shape[2] !== 3)
  ) {
    problems.push(
      `"inputShape" must be [size, size, 3] = [${json.size}, ${json.size}, 3], found [${shape.join(', ')}]`,
    );
  }
  if (problems.length > 0) {
    throw new Error(`${where} is invalid: ${problems.join('; ')}.`);
  }
  return json as unknown as Preprocessing;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

import { RE2 } from 're2-wasm';
import { DatasetError } from './errors';

/** A user's pattern compiled for RE2, with the way the UI shows it (`/…/flags`). */
export interface UserRegex {
  regex: RE2;
  display: string;
  /** Frees the compiled pattern. RE2's wasm heap is a fixed 16 MiB and never collected: without this, a long-running server runs out after a few thousand patterns. */
  dispose(): void;
}

const SUPPORTED_FLAGS = new Set(['i', 'm', 's']);
// With the `u` flag a surrogate range matches only unpaired halves, which RE2 (UTF-8) cannot represent.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Text as RE2 sees it: unpaired surrogates become U+FFFD, as they would in UTF-8. Without this
 * RE2's conversion mangles them and a capture group can return characters the name lacks.
 */
export function toWellFormed(text: string): string {
  return LONE_SURROGATE.test(text) ? text.replace(/[\uD800-\uDFFF]/gu, '\uFFFD') : text;
}

/**
 * Compiles a user pattern with RE2, which matches in time linear in the input, so a
 * catastrophic pattern such as `(a+)+$` cannot hang the server. Accepts either a bare pattern
 * (as in Python: `/([^/]+)_\d+.jpg$`) or a JavaScript literal `/…/flags`; a bare pattern
 * that happens to look like a literal (`/x/`) is read as the literal. `g` and `y` are
 * ignored (one match per name); `u` is always on.
 */
export function compileUserRegex(pattern: string, flags = ''): UserRegex {
  const literal = /^\/(.+)\/([a-z]*)$/s.exec(pattern);
  const isLiteral =
    literal !== null && [...(literal[2] ?? '')].every((flag) => 'gimsuy'.includes(flag));
  const source = isLiteral ? (literal[1] as string) : pattern;
  const allFlags = [...new Set([...(isLiteral ? (literal[2] ?? '') : ''), ...flags])]
    .filter((flag) => SUPPORTED_FLAGS.has(flag))
    .join('');
  const display = `/${escapeSlashes(source)}/${allFlags}`;
  if (LONE_SURROGATE.test(source)) {
    throw new DatasetError(
      'REGEX_INVALID',
      `The pattern ${display} is not a valid regular expression: it contains a broken Unicode character (an unpaired surrogate). Retype the pattern.`,
      { pattern: display, cause: 'unpaired surrogate' },
    );
  }
  let regex: RE2;
  try {
    regex = new RE2(source, `${allFlags}u`);
  } catch (error) {
    throw describeInvalid(display, error);
  }
  let groupCount: number;
  try {
    groupCount = countCaptureGroups(source, allFlags);
  } catch (error) {
    free(regex);
    throw describeInvalid(display, error);
  }
  if (groupCount === 0) {
    free(regex);
    throw new DatasetError(
      'REGEX_NO_CAPTURE_GROUP',
      `The pattern ${display} has no capture group, so it cannot say which part of the name is the label. ` +
        'Wrap the label part in parentheses, e.g. /([^/]+)_\\d+\\.jpg$/.',
      { pattern: display },
    );
  }
  return { regex, display, dispose: () => free(regex) };
}

function describeInvalid(display: string, error: unknown): DatasetError {
  const message = String((error as Error).message).replace(
    /^Invalid regular expression: \/.*\/[a-z]*: /s,
    '',
  );
  return new DatasetError(
    'REGEX_INVALID',
    `The pattern ${display} is not a valid regular expression: ${message}. ` +
      'Patterns use RE2 syntax (like JavaScript, without look-around or backreferences).',
    { pattern: display, cause: message },
  );
}

/** `(?:p)|` always matches the empty string, and RE2 returns every group of `p` (undefined when unset). */
function countCaptureGroups(source: string, flags: string): number {
  const probe = new RE2(`(?:${source})|`, `${flags}u`);
  try {
    const match = probe.exec('');
    return match ? match.length - 1 : 0;
  } finally {
    free(probe);
  }
}

/** re2-wasm keeps each pattern in an Emscripten object that is freed only by its `delete()`. */
function free(regex: RE2): void {
  (regex as unknown as { wrapper: { delete(): void } }).wrapper.delete();
}

/** Shows a bare pattern as an unambiguous literal, as JavaScript's `RegExp#source` does: `/a` → `\/a`. */
function escapeSlashes(source: string): string {
  let out = '';
  let isInClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i] as string;
    if (char === '\\') {
      out += char + (source[i + 1] ?? '');
      i += 1;
      continue;
    }
    if (char === '[') isInClass = true;
    else if (char === ']') isInClass = false;
    out += char === '/' && !isInClass ? '\\/' : char;
  }
  return out;
}

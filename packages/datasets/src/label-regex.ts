import { DatasetError, formatCount } from './errors';
import { compileUserRegex, toWellFormed } from './compile-user-regex';
import {
  buildLabelResult,
  type Label,
  type LabelResult,
  type UnlabelledFile,
} from './label-result';
import { getBasename } from './path-parts';

/** fastai `from_name_re`: the first capture group of a pattern is the label. */
export interface RegexLabelConfig {
  /** RE2 pattern, bare or as a `/…/flags` literal. */
  pattern: string;
  /** Extra flags (`i`, `m`, `s`). */
  flags?: string;
  /**
   * `path` (default) matches `/` + the dataset path, like fastai matching an absolute path, so
   * `/([^/]+)_\d+.jpg$` works for `great_pyrenees_173.jpg` at the root too. `name` matches the file name only.
   */
  target?: 'path' | 'name';
}

/**
 * Labels each file by the first capture group. A pattern that matches no file at all is
 * almost always a mistake in the pattern, so it is an error with example names, not a
 * dataset of unlabelled files.
 */
export function labelByRegex(paths: string[], config: RegexLabelConfig): LabelResult {
  const { regex, display, dispose } = compileUserRegex(config.pattern, config.flags);
  const target = config.target ?? 'path';
  const labels = new Map<string, Label>();
  const unlabelled: UnlabelledFile[] = [];
  let matchCount = 0;
  try {
    for (const path of paths) {
      const subject = toWellFormed(target === 'name' ? getBasename(path) : `/${path}`);
      const match = regex.exec(subject);
      if (!match) {
        unlabelled.push({ path, reason: `no match for ${display}` });
        continue;
      }
      matchCount += 1;
      const label = match[1];
      if (label === undefined || label === '')
        unlabelled.push({
          path,
          reason: `${display} matched but its first capture group is empty`,
        });
      else labels.set(path, label);
    }
  } finally {
    dispose();
  }
  if (paths.length > 0 && matchCount === 0) {
    const examples = paths
      .slice(0, 3)
      .map((path) => JSON.stringify(target === 'name' ? getBasename(path) : path));
    throw new DatasetError(
      'REGEX_NO_MATCH',
      `No file name matched ${display} (0 of ${formatCount(paths.length)}). ` +
        `Example names: ${examples.join(', ')}. Check the pattern and its capture group.`,
      { pattern: display, fileCount: paths.length, examples: paths.slice(0, 3) },
    );
  }
  return buildLabelResult(labels, unlabelled);
}

import { DatasetError } from './errors';
import type { SplitName } from './label-folder';
import type { Label, UnlabelledFile } from './label-result';
import { compareCodeUnits } from './path-parts';
import { createMulberry32, shuffleWith } from './seeded-random';

/** fastai `split_by_folder` / `split_by_rand_pct(valid_pct, seed)`. */
export interface SplitConfig {
  /** Use the train/valid folders (from `labelByFolder`). Default: true when `folderSplit` has validation files. */
  useFolderSplit?: boolean;
  folderSplit?: Map<string, SplitName>;
  /** Share of files for validation in a random split. Default 0.2. */
  validPct?: number;
  /** Default 42. Saved with the dataset version so runs are comparable. */
  seed?: number;
  /** Take `validPct` of each class separately, so rare classes appear in validation too. Default false. */
  isStratified?: boolean;
}

export interface DatasetSplit {
  method: 'folders' | 'random' | 'stratified';
  /** path → split for every labelled file that was placed. */
  assignments: Map<string, SplitName>;
  /** Sorted class names of the training and validation files (fastai `data.classes`). */
  classes: string[];
  /** `classes.length` (fastai `data.c`). */
  c: number;
  /** Files per class in each split. */
  counts: Record<SplitName, Record<string, number>>;
  /** Labelled files left out: outside any split folder when the folders' split is used. */
  excluded: UnlabelledFile[];
}

/**
 * Splits labelled files into train and valid (and test, from a test folder). Deterministic:
 * paths are sorted before shuffling, so the same seed and the same files give the same split
 * whatever order the import produced them in.
 */
export function splitDataset(labels: Map<string, Label>, config: SplitConfig = {}): DatasetSplit {
  const validPct = config.validPct ?? 0.2;
  const seed = config.seed ?? 42;
  if (!(validPct >= 0 && validPct < 1)) {
    throw new DatasetError(
      'SPLIT_INVALID',
      `validPct must be at least 0 and below 1, got ${validPct}. Use e.g. 0.2 for 20% validation.`,
      { validPct },
    );
  }
  if (!Number.isInteger(seed))
    throw new DatasetError('SPLIT_INVALID', `seed must be a whole number, got ${seed}.`, { seed });
  const paths = [...labels.keys()].sort(compareCodeUnits);
  const folderSplit = config.folderSplit ?? new Map<string, SplitName>();
  const hasFolderValid = paths.some((path) => folderSplit.get(path) === 'valid');
  const useFolders = config.useFolderSplit ?? hasFolderValid;
  if (useFolders && !hasFolderValid) {
    throw new DatasetError(
      'SPLIT_INVALID',
      "The folders' split was requested but no labelled file is inside a valid/ or validation/ folder. Use a random split (validPct), or add a validation folder.",
      {},
    );
  }

  const assignments = new Map<string, SplitName>();
  const excluded: UnlabelledFile[] = [];
  if (useFolders) {
    for (const path of paths) {
      const split = folderSplit.get(path);
      if (split) assignments.set(path, split);
      else excluded.push({ path, reason: 'not inside a train/, valid/ or test/ folder' });
    }
  } else {
    const random = createMulberry32(seed);
    const groups = config.isStratified ? groupByLabel(paths, labels) : [paths];
    for (const group of groups) {
      const shuffled = shuffleWith(group, random);
      // fastai v1 cuts at int(valid_pct * n); per class, rounding keeps small classes in validation.
      const cut = config.isStratified
        ? Math.round(validPct * group.length)
        : Math.floor(validPct * group.length);
      shuffled.forEach((path, i) => assignments.set(path, i < cut ? 'valid' : 'train'));
    }
  }
  return {
    method: useFolders ? 'folders' : config.isStratified ? 'stratified' : 'random',
    assignments,
    excluded,
    ...countClasses(assignments, labels),
  };
}

function groupByLabel(paths: string[], labels: Map<string, Label>): string[][] {
  const groups = new Map<string, string[]>();
  for (const path of paths) {
    const label = labels.get(path) as Label;
    // Multi-label files are stratified by their whole label set.
    const key = Array.isArray(label) ? label.join('\u0000') : label;
    const group = groups.get(key);
    if (group) group.push(path);
    else groups.set(key, [path]);
  }
  return [...groups.keys()].sort(compareCodeUnits).map((key) => groups.get(key) as string[]);
}

function countClasses(
  assignments: Map<string, SplitName>,
  labels: Map<string, Label>,
): Pick<DatasetSplit, 'classes' | 'c' | 'counts'> {
  const counts: Record<SplitName, Map<string, number>> = {
    train: new Map(),
    valid: new Map(),
    test: new Map(),
  };
  const classes = new Set<string>();
  for (const [path, split] of assignments) {
    const label = labels.get(path) as Label;
    for (const name of Array.isArray(label) ? label : [label]) {
      counts[split].set(name, (counts[split].get(name) ?? 0) + 1);
      if (split !== 'test') classes.add(name);
    }
  }
  const sorted = [...classes].sort(compareCodeUnits);
  const toRecord = (map: Map<string, number>): Record<string, number> =>
    Object.fromEntries([...map].sort(([a], [b]) => compareCodeUnits(a, b)));
  return {
    classes: sorted,
    c: sorted.length,
    counts: {
      train: toRecord(counts.train),
      valid: toRecord(counts.valid),
      test: toRecord(counts.test),
    },
  };
}

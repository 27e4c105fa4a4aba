import { compareCodeUnits } from './path-parts';

/** A single-label class name, or the labels of a multi-label file. */
export type Label = string | string[];

/** A file a scheme could not label, and why (shown in the preview). */
export interface UnlabelledFile {
  path: string;
  reason: string;
}

/** What every labelling scheme returns, for the live preview and for training. */
export interface LabelResult {
  /** path → label, only for labelled files. */
  labels: Map<string, Label>;
  /** Files without a label, sorted by path. */
  unlabelled: UnlabelledFile[];
  /** Files per class, keys sorted; a multi-label file counts once for each of its labels. */
  classCounts: Record<string, number>;
  /** A few labelled files for the preview: the first file of each class first, then more. */
  examples: Array<{ path: string; label: Label }>;
}

const EXAMPLE_COUNT = 12;

/** Builds the counts and examples every scheme reports, from its labels and its unlabelled files. */
export function buildLabelResult(
  labels: Map<string, Label>,
  unlabelled: UnlabelledFile[],
): LabelResult {
  const counts = new Map<string, number>();
  const firstOfClass = new Map<string, string>();
  const sortedPaths = [...labels.keys()].sort(compareCodeUnits);
  for (const path of sortedPaths) {
    const label = labels.get(path) as Label;
    for (const name of Array.isArray(label) ? label : [label]) {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      if (!firstOfClass.has(name)) firstOfClass.set(name, path);
    }
  }
  const classNames = [...counts.keys()].sort(compareCodeUnits);
  const examplePaths = new Set(
    classNames.map((name) => firstOfClass.get(name) as string).slice(0, EXAMPLE_COUNT),
  );
  for (const path of sortedPaths) {
    if (examplePaths.size >= EXAMPLE_COUNT) break;
    examplePaths.add(path);
  }
  return {
    labels,
    unlabelled: [...unlabelled].sort((a, b) => compareCodeUnits(a.path, b.path)),
    // Object.fromEntries defines own properties, so a class named "__proto__" stays a class.
    classCounts: Object.fromEntries(classNames.map((name) => [name, counts.get(name) as number])),
    examples: [...examplePaths].map((path) => ({ path, label: labels.get(path) as Label })),
  };
}

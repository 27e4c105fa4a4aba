/** The class list of a labelled item set and per-split class counts. */
import type { Item } from './items';

// fastai v1 CategoryList: classes are the sorted unique training labels.
// fastai drops validation items with unseen labels; we refuse them instead,
// because silently losing validation items skews every reported metric.
export function classesOf(items: readonly Item[]): string[] {
  const classes = [...new Set(items.filter((i) => i.split === 'train').map((i) => i.label))].sort();
  if (classes.length === 0) {
    throw new Error('No training items. Label some images and mark them split "train".');
  }
  const known = new Set(classes);
  const unknown = items.filter((i) => i.split === 'valid' && !known.has(i.label));
  if (unknown.length > 0) {
    const labels = [...new Set(unknown.map((i) => `"${i.label}"`))].slice(0, 5).join(', ');
    throw new Error(
      `${unknown.length} validation item(s) have labels with no training items ` +
        `(${labels}, e.g. "${unknown[0]!.key}"). ` +
        'Move some of those images to the training split or remove the class.',
    );
  }
  return classes;
}

/** Items per class, aligned with `classes`; items with other labels are not counted. */
export function countClasses(classes: readonly string[], items: readonly Item[]): number[] {
  const index = new Map(classes.map((c, i) => [c, i]));
  const counts = classes.map(() => 0);
  for (const item of items) {
    const i = index.get(item.label);
    if (i !== undefined) counts[i]! += 1;
  }
  return counts;
}

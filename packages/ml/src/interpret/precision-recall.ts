import { confusionMatrix } from './confusion-matrix';
import type { Interpretation } from './interpretation';

export interface ClassPrecisionRecall {
  class: string;
  /** Of the items predicted as this class, the share that are; 0 when none were predicted. */
  precision: number;
  /** Of the items of this class, the share predicted as it; 0 when the class has no items. */
  recall: number;
  /** Items of this class. */
  support: number;
}

/**
 * Per-class precision and recall from the confusion matrix (as sklearn's
 * precision_recall_fscore_support with zero_division=0; fastai v1 has them only as averaged
 * metrics). Columns are predictions, rows actual classes.
 */
export function perClassPrecisionRecall(interp: Interpretation): ClassPrecisionRecall[] {
  const cm = confusionMatrix(interp);
  return interp.classes.map((name, k) => {
    const hits = cm[k]![k]!;
    const support = cm[k]!.reduce((a, b) => a + b, 0);
    const predicted = cm.reduce((sum, row) => sum + row[k]!, 0);
    return {
      class: name,
      precision: predicted > 0 ? hits / predicted : 0,
      recall: support > 0 ? hits / support : 0,
      support,
    };
  });
}

import { pairErrors, wilsonInterval, type ImagePredictions } from '@/lib/paired-errors';

/** How sure a compared run's error is, and whether it differs from the best run's by chance. */
export interface ErrorEvidence {
  /** Validation images its model gets wrong, of how many, with Wilson's 95 % interval. */
  wrong: number;
  images: number;
  interval: [number, number];
  /** The compared run with the fewest wrong on the same images, when that is another run. */
  versus: {
    runId: string;
    /** Images this model gets wrong that the other gets right, and the other way round. */
    onlyThisWrong: number;
    onlyOtherWrong: number;
    p: number;
  } | null;
  /** Fewest wrong of the compared runs judged on the same images (and there are others). */
  isLowest: boolean;
}

export interface ModelPredictions extends ImagePredictions {
  runId: string;
  /** Runs of one dataset version are judged on the same validation images. */
  versionId: string;
}

/**
 * Each run's model against the run with the fewest errors on its dataset version (the first
 * listed on a tie), image by image; runs without an interpretation are left out.
 */
export function errorEvidence(models: readonly ModelPredictions[]): Map<string, ErrorEvidence> {
  const wrongs = new Map(
    models.map((m) => [m, m.preds.filter((p, i) => p !== m.targets[i]).length] as const),
  );
  // Per version, the fewest-wrong model and how many were compared on it.
  const lowestOf = new Map<string, { lowest: ModelPredictions; peers: number }>();
  for (const model of models) {
    const seen = lowestOf.get(model.versionId);
    if (!seen) lowestOf.set(model.versionId, { lowest: model, peers: 1 });
    else {
      seen.peers++;
      if (wrongs.get(model)! < wrongs.get(seen.lowest)!) seen.lowest = model;
    }
  }
  const evidence = new Map<string, ErrorEvidence>();
  for (const model of models) {
    const wrong = wrongs.get(model)!;
    const images = model.fileIds.length;
    const { lowest, peers } = lowestOf.get(model.versionId)!;
    const paired = lowest === model ? null : pairErrors(model, lowest);
    evidence.set(model.runId, {
      wrong,
      images,
      interval: wilsonInterval(wrong, images),
      versus: paired && {
        runId: lowest.runId,
        onlyThisWrong: paired.onlyFirstWrong,
        onlyOtherWrong: paired.onlySecondWrong,
        p: paired.p,
      },
      isLowest: lowest === model && peers > 1,
    });
  }
  return evidence;
}

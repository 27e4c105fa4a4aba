import { describe, expect, it } from 'vitest';
import { confusionMatrix, normalizeConfusionMatrix } from './confusion-matrix';
import { fromPredictions, type PredictionsInput } from './interpretation';
import { mostConfused } from './most-confused';
import { perClassPrecisionRecall } from './precision-recall';
import { topLosses } from './top-losses';
import { fromStored, interpretationErrorRate, toStored } from './stored';

// Seven items over three classes, with probabilities that float32 holds exactly.
const classes = ['cat', 'dog', 'bird'];
const triple: PredictionsInput = {
  // prettier-ignore
  probs: new Float32Array([
    0.75, 0.125, 0.125, // cat  → cat
    0.125, 0.5, 0.375,  // cat  → dog
    0.25, 0.5, 0.25,    // dog  → dog
    0.25, 0.25, 0.5,    // dog  → bird
    0.5, 0.5, 0,        // bird → cat (tie: the first class wins, as torch.argmax)
    0.125, 0.125, 0.75, // bird → bird
    0.125, 0.75, 0.125, // cat  → dog
  ]),
  targets: new Int32Array([0, 0, 1, 1, 2, 2, 0]),
  losses: new Float32Array([0.25, 2, 0.5, 1, 2, 0.125, 4]),
  keys: ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.jpg', 'f.jpg', 'g.jpg'],
  classes,
};
const interp = fromPredictions(triple);

describe('fromPredictions', () => {
  it('takes the arg-max of every row', () => {
    expect([...interp.preds]).toEqual([0, 1, 1, 2, 0, 2, 1]);
    expect(interp.n).toBe(7);
  });

  it('refuses sizes that disagree and targets that are not class indices', () => {
    expect(() => fromPredictions({ ...triple, losses: new Float32Array(6) })).toThrow(
      /sizes disagree.*received 21 probs, 6 losses, 7 keys/,
    );
    expect(() =>
      fromPredictions({ ...triple, targets: new Int32Array([0, 0, 1, 1, 2, 2, -1]) }),
    ).toThrow(/target -1 of item 6 \("g.jpg"\) is not a class index in \[0, 3\)/);
    expect(() => fromPredictions({ ...triple, classes: [] })).toThrow(/classes is empty/);
  });
});

describe('topLosses', () => {
  it('lists the largest losses first, ties in item order', () => {
    expect(topLosses(interp, 3)).toEqual([
      {
        key: 'g.jpg',
        predicted: 'dog',
        actual: 'cat',
        loss: 4,
        probActual: 0.125,
        probPredicted: 0.75,
      },
      {
        key: 'b.jpg',
        predicted: 'dog',
        actual: 'cat',
        loss: 2,
        probActual: 0.125,
        probPredicted: 0.5,
      },
      {
        key: 'e.jpg',
        predicted: 'cat',
        actual: 'bird',
        loss: 2,
        probActual: 0,
        probPredicted: 0.5,
      },
    ]);
  });

  it('defaults to 9 and stops at n', () => {
    expect(topLosses(interp).map((t) => t.key)).toEqual([
      'g.jpg',
      'b.jpg',
      'e.jpg',
      'd.jpg',
      'c.jpg',
      'a.jpg',
      'f.jpg',
    ]);
    expect(topLosses(interp, 0)).toEqual([]);
  });

  it('ranks a NaN loss first', () => {
    const losses = new Float32Array([0.25, 2, 0.5, NaN, 2, 0.125, 4]);
    expect(topLosses(fromPredictions({ ...triple, losses }), 2).map((t) => t.key)).toEqual([
      'd.jpg',
      'g.jpg',
    ]);
  });
});

describe('confusionMatrix', () => {
  it('counts rows actual, columns predicted', () => {
    expect(confusionMatrix(interp)).toEqual([
      [1, 2, 0],
      [0, 1, 1],
      [1, 0, 1],
    ]);
  });

  it('normalises each row by its count, a class without items to zeros', () => {
    expect(
      normalizeConfusionMatrix([
        [1, 3, 0],
        [0, 0, 0],
        [1, 0, 1],
      ]),
    ).toEqual([
      [0.25, 0.75, 0],
      [0, 0, 0],
      [0.5, 0, 0.5],
    ]);
  });
});

describe('mostConfused', () => {
  it('lists off-diagonal cells by count, ties in row-major order (fastai v1)', () => {
    expect(mostConfused(interp)).toEqual([
      ['cat', 'dog', 2],
      ['dog', 'bird', 1],
      ['bird', 'cat', 1],
    ]);
    expect(mostConfused(interp, 2)).toEqual([['cat', 'dog', 2]]);
  });

  it('never lists the diagonal, even with minVal 0', () => {
    const pairs = mostConfused(interp, 0);
    expect(pairs).toHaveLength(6);
    expect(pairs.filter(([a, p]) => a === p)).toEqual([]);
    expect(pairs.slice(0, 3)).toEqual(mostConfused(interp));
    expect(pairs.slice(3)).toEqual([
      ['cat', 'bird', 0],
      ['dog', 'cat', 0],
      ['bird', 'dog', 0],
    ]);
  });
});

describe('perClassPrecisionRecall', () => {
  it('reads precision from columns and recall from rows', () => {
    expect(perClassPrecisionRecall(interp)).toEqual([
      { class: 'cat', precision: 1 / 2, recall: 1 / 3, support: 3 },
      { class: 'dog', precision: 1 / 3, recall: 1 / 2, support: 2 },
      { class: 'bird', precision: 1 / 2, recall: 1 / 2, support: 2 },
    ]);
  });

  it('gives 0 for a class never predicted and never present', () => {
    const none = fromPredictions({
      probs: new Float32Array([0.75, 0.25, 0]),
      targets: new Int32Array([0]),
      losses: new Float32Array([0.3]),
      keys: ['x'],
      classes: ['a', 'b', 'c'],
    });
    expect(perClassPrecisionRecall(none)).toEqual([
      { class: 'a', precision: 1, recall: 1, support: 1 },
      { class: 'b', precision: 0, recall: 0, support: 0 },
      { class: 'c', precision: 0, recall: 0, support: 0 },
    ]);
  });
});

describe('toStored / fromStored', () => {
  const stored = toStored(interp);

  it('keeps the numbers every page shows, computed once', () => {
    expect(stored.errorRate).toBeCloseTo(4 / 7, 12);
    expect(stored.preds).toEqual([0, 1, 1, 2, 0, 2, 1]);
    expect(stored.confusion).toEqual(confusionMatrix(interp));
    expect(stored.perClass).toEqual(perClassPrecisionRecall(interp));
    expect(stored.fileIds).toEqual(triple.keys);
  });

  it('stores the probabilities as float32 little-endian bytes', () => {
    expect(stored.probs.byteLength).toBe(7 * 3 * 4);
    // 0.75 is 0x3f400000: little-endian 00 00 40 3f.
    expect([...stored.probs.subarray(0, 4)]).toEqual([0x00, 0x00, 0x40, 0x3f]);
  });

  it('rebuilds the same interpretation from the row, wherever its bytes sit in a buffer', () => {
    const padded = new Uint8Array(stored.probs.byteLength + 3);
    padded.set(stored.probs, 3);
    const back = fromStored({ ...stored, probs: padded.subarray(3) });
    expect([...back.probs]).toEqual([...interp.probs]);
    expect([...back.preds]).toEqual([...interp.preds]);
    expect([...back.losses]).toEqual([...interp.losses]);
    expect(back.keys).toEqual(interp.keys);
  });

  it('refuses an interpretation without items', () => {
    const empty = fromPredictions({
      probs: new Float32Array(0),
      targets: new Int32Array(0),
      losses: new Float32Array(0),
      keys: [],
      classes,
    });
    expect(() => interpretationErrorRate(empty)).toThrow(/no items/);
  });
});

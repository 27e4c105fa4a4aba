import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryClassifier } from './entry-classifier';
import { toEntryKey } from './entry-key';
import { DatasetError } from './errors';
import { LimitTracker, resolveLimits } from './limits';

// Names built to collide: the same path in NFC and NFD, with either separator, `./` and `//`.
const segment = fc.constantFrom('a', 'b.jpg', 'caf\u00e9', 'cafe\u0301', '.', '', 'C', 'x.zip');
const name = fc.oneof(
  fc
    .array(segment, { minLength: 1, maxLength: 4 })
    .chain((parts) => fc.constantFrom('/', '\\', '//').map((sep) => parts.join(sep))),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);

type Outcome =
  | { kind: 'read'; key: string }
  | { kind: 'skip'; path: string; reason: string }
  | { kind: 'ignore' }
  | { kind: 'abort'; code: string };

function classifyAll(names: string[]): Outcome[] {
  const classifier = new EntryClassifier(new LimitTracker(resolveLimits()));
  return names.map((raw): Outcome => {
    try {
      const decision = classifier.classify(raw, 'file');
      if (decision.action === 'read') return { kind: 'read', key: decision.key };
      if (decision.action === 'skip')
        return { kind: 'skip', path: decision.path, reason: decision.reason };
      return { kind: 'ignore' };
    } catch (error) {
      expect(error).toBeInstanceOf(DatasetError);
      return { kind: 'abort', code: (error as DatasetError).code };
    }
  });
}

describe('entry name → storage key (properties)', () => {
  it('gives every imported entry its own key, and says so when two names collide', () => {
    fc.assert(
      fc.property(fc.array(name, { maxLength: 12 }), (names) => {
        const outcomes = classifyAll(names);
        const keys = outcomes.flatMap((o) => (o.kind === 'read' ? [o.key] : []));
        expect(new Set(keys).size).toBe(keys.length);
        for (const outcome of outcomes) {
          if (outcome.kind === 'skip' && outcome.reason.startsWith('duplicate entry name'))
            expect(keys).toContain(outcome.path);
          if (outcome.kind === 'abort') expect(outcome.code).toBe('UNSAFE_ENTRY_NAME');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('is stable: the same name always gives the same key, and a key maps to itself', () => {
    fc.assert(
      fc.property(name, (raw) => {
        let first;
        try {
          first = toEntryKey(raw);
        } catch {
          expect(() => toEntryKey(raw)).toThrow(DatasetError);
          return;
        }
        expect(toEntryKey(raw)).toEqual(first);
        if (first.kind === 'file') expect(toEntryKey(first.key)).toEqual(first);
      }),
      { numRuns: 2000 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileUserRegex, toWellFormed } from './compile-user-regex';
import { DatasetError } from './errors';
import { labelByRegex } from './label-regex';
import { labelByRule, type RuleStep } from './label-rule';

describe('user regexes run in linear time', () => {
  it.each([
    ['(a+)+$'],
    ['(a|aa)+$'],
    ['(a|a)*c$'],
    ['(.*a){12}$'],
    ['^(\\w+\\s?)*$'],
    ['^(([a-z])+.)+[A-Z]([a-z])+$'],
  ])('%s on a 10,000-character name that does not match takes under 100 ms of CPU', (pattern) => {
    // Ten times the longest key an import accepts; a backtracking engine would need years.
    const name = `${'a'.repeat(10_000)}!`;
    // CPU time of this process (the fastest of three runs), so other processes on a shared
    // machine cannot fail the test.
    const runs = [0, 1, 2].map(() => {
      const cpu = process.cpuUsage();
      expect(() => labelByRegex([name], { pattern, target: 'name' })).toThrow(
        /No file name matched/,
      );
      const used = process.cpuUsage(cpu);
      return (used.user + used.system) / 1000;
    });
    expect(Math.min(...runs)).toBeLessThan(100);
  });

  it.each([
    ['(a)\\1', /invalid escape sequence: \\1/],
    ['(?=a)(b)', /invalid perl operator/],
    ['(a{1000}){1000}', /invalid repetition size/],
  ])('refuses %s, which RE2 cannot run in linear time, with a clear message', (pattern, cause) => {
    expect(() => compileUserRegex(pattern)).toThrow(
      expect.objectContaining({
        code: 'REGEX_INVALID',
        message: expect.stringMatching(cause),
      }),
    );
  });

  it('labels any file name without throwing, and every label is a part of the name (property)', () => {
    const patterns = ['/([^/]+)_\\d+.jpg$', '^([a-z]+)', '(.)', '([^_]*)_', '/([^/]*)$'];
    const anyName = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }), // includes lone surrogates
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.constantFrom('\u0000', '\uD800', 'a\u0301', '../x.jpg', '/', ''),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...patterns),
        fc.array(anyName, { maxLength: 8 }),
        (pattern, names) => {
          let result;
          try {
            result = labelByRegex(names, { pattern });
          } catch (error) {
            expect(error).toBeInstanceOf(DatasetError);
            expect((error as DatasetError).code).toBe('REGEX_NO_MATCH');
            return;
          }
          for (const [path, label] of result.labels) {
            expect(typeof label).toBe('string');
            expect(toWellFormed(`/${path}`)).toContain(label as string);
          }
          const unlabelled = new Set(result.unlabelled.map((file) => file.path));
          for (const name of names)
            expect(result.labels.has(name) || unlabelled.has(name)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('frees every compiled pattern: thousands of labellings do not exhaust the engine', () => {
    for (let i = 0; i < 4000; i++) {
      const result = labelByRegex([`cat${i}_1.jpg`], { pattern: `^([a-z]+)${i}_`, target: 'name' });
      expect(result.labels.get(`cat${i}_1.jpg`)).toBe('cat');
    }
  });

  it('turns any pattern text into a compiled regex or a DatasetError (property)', () => {
    const atoms = fc.constantFrom(
      '(',
      ')',
      '[',
      ']',
      '{',
      '}',
      '*',
      '+',
      '?',
      '|',
      '\\',
      '^',
      '$',
      '.',
      'a',
      '\\d',
      '(?:',
      '(?P<n>',
      '/',
      'i',
      '\uD800',
    );
    const pattern = fc.oneof(
      fc.array(atoms, { maxLength: 12 }).map((parts) => parts.join('')),
      fc.string({ unit: 'binary', maxLength: 20 }),
    );
    fc.assert(
      fc.property(pattern, fc.constantFrom('', 'i', 'gimsuy'), (source, flags) => {
        try {
          const { display, dispose } = compileUserRegex(source, flags);
          dispose();
          expect(display.startsWith('/')).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(DatasetError);
          expect(['REGEX_INVALID', 'REGEX_NO_CAPTURE_GROUP']).toContain(
            (error as DatasetError).code,
          );
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('declarative rules', () => {
  const step: fc.Arbitrary<RuleStep> = fc.oneof(
    fc.constant({ op: 'basename' as const }),
    fc.constant({ op: 'stripExtension' as const }),
    fc.constant({ op: 'lowercase' as const }),
    fc.constant({ op: 'uppercase' as const }),
    fc.record({
      op: fc.constant('split' as const),
      separator: fc.string({ minLength: 1, maxLength: 2 }),
      take: fc.oneof(
        fc.integer({ min: -3, max: 3 }),
        fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 })),
      ),
    }),
    fc.record({
      op: fc.constant('replace' as const),
      find: fc.string({ minLength: 1, maxLength: 2 }),
      replaceWith: fc.string({ maxLength: 2 }),
    }),
    fc.record({
      op: fc.constant('map' as const),
      table: fc.dictionary(
        fc.constantFrom('__proto__', 'constructor', 'toString', 'a', 'A'),
        fc.string({ maxLength: 3 }),
      ),
      otherwise: fc.option(fc.string({ maxLength: 3 }), { nil: undefined }),
    }),
    fc.record({
      op: fc.constant('isUppercaseFirst' as const),
      then: fc.constant('cat'),
      else: fc.constant('dog'),
    }),
  );

  it('label any file name or give a reason, never throw (property)', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 5 }),
        fc.array(fc.string({ unit: 'binary', maxLength: 30 }), { maxLength: 6 }),
        (steps, names) => {
          const result = labelByRule(names, { steps });
          for (const label of result.labels.values()) expect(typeof label).toBe('string');
          const unlabelled = new Set(result.unlabelled.map((file) => file.path));
          for (const name of names)
            expect(result.labels.has(name) || unlabelled.has(name)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import { labelByScript } from './label-script';

const label = async (source: string, paths = ['images/Abyssinian_1.jpg']) =>
  labelByScript(paths, { source });
const firstLabelOrReason = async (source: string): Promise<unknown> => {
  const result = await label(source);
  return result.labels.get('images/Abyssinian_1.jpg') ?? result.unlabelled[0]?.reason;
};

describe('labelByScript', () => {
  it('labels the pets lesson with a user function', async () => {
    const result = await label("(name) => name[0] === name[0].toUpperCase() ? 'cat' : 'dog'", [
      'images/Abyssinian_1.jpg',
      'images/beagle_7.jpg',
    ]);
    expect(Object.fromEntries(result.labels)).toEqual({
      'images/Abyssinian_1.jpg': 'cat',
      'images/beagle_7.jpg': 'dog',
    });
  });

  it('passes the full path as the second argument and accepts arrays for multi-label', async () => {
    expect(await firstLabelOrReason("(name, path) => path.split('/')[0]")).toBe('images');
    expect(await firstLabelOrReason("(name) => ['b', 'a', 'a']")).toEqual(['a', 'b']);
  });

  it('cannot reach the host: no process, require, or Function-constructor escape', async () => {
    expect(await firstLabelOrReason('() => typeof process')).toBe('undefined');
    expect(await firstLabelOrReason('() => typeof require')).toBe('undefined');
    expect(
      await firstLabelOrReason(
        "() => globalThis.constructor.constructor('return typeof process')()",
      ),
    ).toBe('undefined');
    expect(await firstLabelOrReason("() => globalThis.constructor('return process')()")).toMatch(
      /^the label function threw TypeError/,
    );
    expect(
      await firstLabelOrReason("() => require('fs').readFileSync('/etc/passwd', 'utf8')"),
    ).toMatch(/threw ReferenceError: 'require' is not defined/);
    expect(await firstLabelOrReason('() => process.exit(1)')).toMatch(
      /threw ReferenceError: 'process' is not defined/,
    );
  });

  it('stops an endless loop with a clear error', async () => {
    // The per-file limit, not the whole budget, stopped it: the message names the file and 50 ms.
    const error = await label('(name) => { for (;;) {} }').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).code).toBe('SCRIPT_TIMEOUT');
    expect((error as DatasetError).message).toMatch(
      /stopped on "images\/Abyssinian_1\.jpg" \(file 1 of 1\): it ran longer than 50 ms per file/,
    );
  });

  it('stops when the total time budget runs out', async () => {
    const paths = Array.from({ length: 200 }, (_, i) => `f${i}.jpg`);
    const source =
      '(name) => { const end = Date.now() + 20; while (Date.now() < end) {} return "x"; }';
    const error = await labelByScript(paths, { source, timeLimitTotalMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect((error as DatasetError).message).toMatch(/ran longer than 300 ms in total/);
  });

  it('stops a huge allocation with a clear error', async () => {
    const error = await label("(name) => 'x'.repeat(1e9)").catch((e: unknown) => e);
    expect((error as DatasetError).code).toBe('SCRIPT_OUT_OF_MEMORY');
    expect((error as DatasetError).message).toMatch(/ran out of memory/);
  });

  it('stops a loop at load time and reports code that is not a function', async () => {
    await expect(label('(() => { for (;;) {} })()')).rejects.toMatchObject({
      code: 'SCRIPT_TIMEOUT',
    });
    await expect(label('42')).rejects.toMatchObject({
      code: 'SCRIPT_INVALID',
      message: expect.stringMatching(/evaluates to a number, not a function/),
    });
    await expect(label('(name) => {')).rejects.toMatchObject({
      code: 'SCRIPT_INVALID',
      message: expect.stringMatching(/does not compile: SyntaxError/),
    });
  });

  it('leaves a file unlabelled when the function throws or returns nothing usable', async () => {
    expect(await firstLabelOrReason('(name) => null')).toBe('the label function returned nothing');
    expect(await firstLabelOrReason('(name) => 42')).toBe(
      'the label function returned a number; return a string or an array of strings',
    );
    expect(await firstLabelOrReason('(name) => name.nope.x')).toMatch(
      /^the label function threw TypeError/,
    );
  });
});

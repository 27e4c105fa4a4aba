import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import { labelByScript } from './label-script';

const PATH = 'images/Abyssinian_1.jpg';

/** The label, or the reason the file stayed unlabelled, or the error code and message. */
async function outcomeOf(source: string, options: { timeLimitTotalMs?: number } = {}) {
  try {
    const result = await labelByScript([PATH], { source, ...options });
    return { label: result.labels.get(PATH), reason: result.unlabelled[0]?.reason };
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return { code: (error as DatasetError).code, message: (error as DatasetError).message };
  }
}

describe('label functions cannot reach or hurt the host', () => {
  it.each([
    ['() => typeof process', 'undefined'],
    ['() => typeof require', 'undefined'],
    ['() => typeof globalThis.process + typeof std + typeof os', 'undefinedundefinedundefined'],
    ["() => globalThis.constructor.constructor('return typeof process')()", 'undefined'],
    ["function () { return this.constructor.constructor('return typeof process')() }", 'undefined'],
    ["() => [].constructor.constructor('return typeof require')()", 'undefined'],
    ["() => eval('typeof process')", 'undefined'],
    ["() => Function('return typeof this.process')()", 'undefined'],
  ])('%s sees no host objects', async (source, label) => {
    expect(await outcomeOf(source)).toEqual({ label, reason: undefined });
  });

  it.each([
    ['() => process.exit(1)', /^the label function threw ReferenceError: 'process' is not defined/],
    [
      "() => require('fs').readFileSync('/etc/passwd', 'utf8')",
      /^the label function threw ReferenceError: 'require' is not defined/,
    ],
    [
      "() => import('fs').then((fs) => fs.readFileSync('/etc/passwd', 'utf8'))",
      /returned a Promise; it must return the label directly/,
    ],
    ["async (name) => (await import('node:child_process')).execSync('id')", /returned a Promise/],
  ])('%s fails for that file with a clear reason', async (source, reason) => {
    expect(await outcomeOf(source)).toEqual({
      label: undefined,
      reason: expect.stringMatching(reason),
    });
  });

  it('stops an endless loop, deep recursion and huge allocations with clear errors', async () => {
    expect(await outcomeOf('() => { for (;;) {} }')).toMatchObject({
      code: 'SCRIPT_TIMEOUT',
      message: expect.stringMatching(/ran longer than 50 ms per file/),
    });
    expect(await outcomeOf('() => { const f = () => f(); return f(); }')).toMatchObject({
      code: 'SCRIPT_OUT_OF_MEMORY',
      message: expect.stringMatching(/ran out of stack .*: it calls itself too deeply/),
    });
    for (const source of [
      '() => new Array(1e9).fill(1).length',
      "() => { const a = []; for (;;) a.push(new Array(1e5).fill('x')); }",
    ]) {
      expect(await outcomeOf(source)).toMatchObject({
        code: 'SCRIPT_OUT_OF_MEMORY',
        message: expect.stringMatching(/ran out of memory/),
      });
    }
  });

  it('stops work the interpreter cannot interrupt, and the host stays responsive meanwhile', async () => {
    // Each 'x'.repeat(1e7) is one long native call, so the per-call deadline is never polled.
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 50);
    const started = performance.now();
    const outcome = await outcomeOf("() => { let s; for (;;) s = 'x'.repeat(1e7); }", {
      timeLimitTotalMs: 500,
    });
    clearInterval(ticker);
    const elapsed = performance.now() - started;
    expect(outcome).toMatchObject({
      code: 'SCRIPT_TIMEOUT',
      message: expect.stringMatching(/took longer than 5,500 ms/),
    });
    expect(elapsed).toBeLessThan(10_000);
    expect(ticks).toBeGreaterThan((elapsed / 50) * 0.5);
  });

  it('leaves the host untouched: prototypes stay clean and the next function runs normally', async () => {
    await outcomeOf(
      "() => { Object.prototype.polluted = 'yes'; Array.prototype.map = null; return 'x'; }",
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(typeof [].map).toBe('function');
    expect(await outcomeOf("(name) => name.split('_')[0]")).toEqual({
      label: 'Abyssinian',
      reason: undefined,
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStudioProcess, type StudioProcess } from './studio-process';

let studio: StudioProcess;

beforeAll(async () => {
  studio = await startStudioProcess();
  // Building the web app first, when its sources changed since the last build, takes minutes.
  await studio.waitForLine(/^studio: ready at /, 600_000);
}, 660_000);

afterAll(async () => {
  await studio?.close();
});

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The health status code, or null when the web app does not answer. */
const healthStatus = () =>
  fetch(`${studio.url}/api/health`).then(
    (r) => r.status,
    () => null,
  );

/** Waits for a process of `kind` other than `previous`, and returns its id. */
async function nextChild(kind: 'worker' | 'web', previous: number): Promise<number> {
  let pid: number | null = null;
  await expect
    .poll(() => (pid = studio.children()[kind]), { timeout: 30_000, interval: 200 })
    .toSatisfy((id: number | null) => id !== null && id !== previous);
  return pid!;
}

describe('npm run studio', () => {
  it('restarts a worker killed or stopped, with back-off, while the web app keeps serving', async () => {
    const { worker, web } = studio.children();
    expect(worker).not.toBeNull();
    expect(web).not.toBeNull();

    let from = studio.output().length;
    process.kill(worker!, 'SIGKILL');
    expect(await studio.waitForLine(/worker exited/, 10_000, from)).toMatch(
      /^studio: the worker exited \(SIGKILL\) after \d+ s; restarting it in 1 s$/,
    );
    expect(await healthStatus()).not.toBeNull();
    const second = await nextChild('worker', worker!);
    expect(studio.children().web).toBe(web);
    await expect.poll(healthStatus, { timeout: 60_000, interval: 500 }).toBe(200);

    // Its second exit within a minute waits twice as long. (SIGTERM once it handles it.)
    await studio.waitForLine(/\] ready \(queues: /, 60_000, from);
    from = studio.output().length;
    process.kill(second, 'SIGTERM');
    expect(await studio.waitForLine(/worker exited/, 40_000, from)).toMatch(
      /^studio: the worker exited \(code 0\) after \d+ s; restarting it in 2 s \(exit 2 in a row within a minute\)$/,
    );
    await nextChild('worker', second);
    expect(isAlive(web!)).toBe(true);
    expect(studio.process.exitCode).toBeNull();
  });

  it('restarts the web app too', async () => {
    const { web } = studio.children();
    const from = studio.output().length;
    process.kill(web!, 'SIGKILL');
    expect(await studio.waitForLine(/web app exited/, 10_000, from)).toMatch(
      /^studio: the web app exited \(SIGKILL\) after \d+ s; restarting it in 1 s$/,
    );
    await nextChild('web', web!);
    await expect.poll(healthStatus, { timeout: 60_000, interval: 500 }).toBe(200);
  });

  it('stops everything on its own SIGTERM, and exits 0', async () => {
    const { worker, web } = studio.children();
    const exited = new Promise<number | null>((resolve) =>
      studio.process.exitCode !== null
        ? resolve(studio.process.exitCode)
        : studio.process.once('exit', (code) => resolve(code)),
    );
    studio.process.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(studio.output()).toMatch(/^studio: SIGTERM: stopping the studio$/m);
    expect([worker, web].filter((pid) => pid && isAlive(pid))).toEqual([]);
  });
});

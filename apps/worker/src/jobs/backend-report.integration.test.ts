// What the worker says about its TensorFlow.js backend: one line at start, and its heartbeat.
import { describe, expect, it } from 'vitest';
import { workerHeartbeat, workerHeartbeatKey } from '@studio/shared';
import { startWorker, until } from '../testing/worker-process';
import { useTrainTestbed } from '../testing/train-testbed';

const bed = useTrainTestbed({ classes: ['0', '1'], perClass: 6 });

describe('the worker and its backend', () => {
  it('names its backend and threads in the heartbeat, and says once in one line why', async () => {
    const worker = startWorker({
      databaseUrl: bed.url,
      prefix: bed.prefix,
      unset: ['STUDIO_BACKEND'],
      isStdoutPiped: true,
    });
    let output = '';
    worker.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const key = workerHeartbeatKey(bed.prefix, '*');
    const beat = await until(
      async () => {
        const [first] = await bed.redis.keys(key);
        const text = first ? await bed.redis.get(first) : null;
        return text ? workerHeartbeat.parse(JSON.parse(text)) : null;
      },
      (b) => b?.backend != null,
      60_000,
    );
    expect(beat).toMatchObject({ backend: 'wasm', threads: 1 });

    // A stage's own process picks the same backend without saying so again.
    const run = await bed.createRun([{ kind: 'unfreeze' }]);
    await until(
      () => bed.db.run.findUniqueOrThrow({ where: { id: run.id } }),
      (r) => r.status === 'done' || r.status === 'failed',
    );
    const backendLines = output.split('\n').filter((l) => /backend/i.test(l));
    expect(backendLines).toEqual([
      expect.stringMatching(
        /tfjs backend: wasm \(first that loaded after tensorflow-gpu \(not installed\), tensorflow \(not installed\)/,
      ),
    ]);
    expect(output).not.toMatch(/unavailable/);
  });
});

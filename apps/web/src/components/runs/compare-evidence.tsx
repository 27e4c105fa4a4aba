'use client';

import { Text } from '@mantine/core';
import type { ShownRun } from './compare-view';

const percent = (rate: number) => `${(rate * 100).toFixed(1)}`;

/** "23 of 412 (95 % interval 3.7–8.3 %)": how much a validation set this size can tell. */
export function WrongCount({ run }: { run: ShownRun }) {
  const e = run.evidence;
  if (!e) return '—';
  return (
    <>
      {e.wrong} of {e.images}{' '}
      <Text span size="xs" c="dimmed">
        (95 % interval {percent(e.interval[0])}–{percent(e.interval[1])} %)
      </Text>
    </>
  );
}

/** This run's model against the one with the fewest errors on the same validation images. */
export function VersusLowest({ run, runs }: { run: ShownRun; runs: ShownRun[] }) {
  const e = run.evidence;
  if (!e) return '—';
  if (e.isLowest) {
    const isTied = runs.some(
      (r) => r.evidence?.versus?.runId === run.id && r.evidence.wrong === e.wrong,
    );
    return isTied ? 'Tied for fewest wrong on these images' : 'Fewest wrong on these images';
  }
  if (!e.versus) return 'No other run here was judged on these images';
  const { onlyThisWrong, onlyOtherWrong, p } = e.versus;
  const other = runs.find((r) => r.id === e.versus!.runId)?.label ?? 'the lowest';
  const isChance = p >= 0.05;
  return (
    <>
      Wrong on {onlyThisWrong} that {other} gets right, right on {onlyOtherWrong} it misses.{' '}
      <Text span inherit fw={600} c={isChance ? 'dimmed' : 'orange.8'}>
        {isChance ? 'Could be chance' : 'Unlikely to be chance'} (p = {formatP(p)})
      </Text>
    </>
  );
}

const formatP = (p: number) => (p < 0.001 ? '< 0.001' : p.toFixed(p < 0.01 ? 3 : 2));

'use client';

import type { ReactNode } from 'react';
import { Table, Text } from '@mantine/core';
import { StatusBadge } from '../status-badge';
import { VersusLowest, WrongCount } from './compare-evidence';
import { CompareHeaderRow } from './compare-run-label';
import type { ShownRun } from './compare-view';
import { formatDuration, formatPercent } from './format';

/** Headline numbers per run; the lowest error rates are marked so the winner reads at a glance. */
export function CompareSummary({ runs }: { runs: ShownRun[] }) {
  const lowest = (pick: (r: ShownRun) => number | null) => {
    const values = runs.map(pick).filter((v): v is number => v !== null);
    return values.length ? Math.min(...values) : null;
  };
  const bestBest = lowest((r) => r.bestErrorRate);
  const bestFinal = lowest((r) => r.finalErrorRate);
  const rate = (value: number | null, best: number | null) =>
    value === null ? (
      '—'
    ) : value === best && runs.length > 1 ? (
      <Text span fw={700} c="teal.8">
        {formatPercent(value)}{' '}
        <Text span size="xs">
          (lowest)
        </Text>
      </Text>
    ) : (
      formatPercent(value)
    );
  const rows: [string, (r: ShownRun) => ReactNode][] = [
    ['Status', (r) => <StatusBadge status={r.status} />],
    ['Dataset', (r) => `${r.dataset.name} v${r.versionNumber}`],
    ['Architecture', (r) => r.arch],
    ['Final error rate (the model)', (r) => rate(r.finalErrorRate, bestFinal)],
    ['Validation images wrong', (r) => <WrongCount run={r} />],
    ['Against the fewest wrong', (r) => <VersusLowest run={r} runs={runs} />],
    ['Best epoch’s error rate', (r) => rate(r.bestErrorRate, bestBest)],
    ['Epochs', (r) => r.epochs.length],
    ['Total training time', (r) => formatDuration(r.trainingS)],
  ];
  return (
    <Table.ScrollContainer minWidth={200 + 180 * runs.length}>
      <Table aria-label="Run summary" data-testid="compare-summary" verticalSpacing="xs">
        <CompareHeaderRow first="Run" runs={runs} />
        <Table.Tbody>
          {rows.map(([label, cell]) => (
            <Table.Tr key={label}>
              <Table.Th scope="row" fw={500}>
                {label}
              </Table.Th>
              {runs.map((r) => (
                <Table.Td key={r.id}>{cell(r)}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="sm" c="dimmed" mt="xs">
        Runs on the same dataset version are compared image by image (McNemar&apos;s exact test). A
        p of 0.05 or more means chance alone, such as another seed, often makes a gap that large.
      </Text>
    </Table.ScrollContainer>
  );
}

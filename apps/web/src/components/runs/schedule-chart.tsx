'use client';

import { LineChart } from '@mantine/charts';
import { Text, VisuallyHidden } from '@mantine/core';
import { formatLr } from './format';
import type { runSeries } from './run-series';

/**
 * The one-cycle schedule as it ran (fastai's recorder.plot_lr(show_moms=True)): head learning
 * rate on a log axis, so a fine-tuning stage at 1e-4 stays visible next to one at 3e-3, and
 * momentum on the right.
 */
export function ScheduleChart({ series }: { series: ReturnType<typeof runSeries> }) {
  const { points, starts, last } = series;
  return (
    <figure style={{ margin: 0 }}>
      <Text component="figcaption" fw={600} mb="xs">
        Learning rate and momentum
      </Text>
      <LineChart
        h={260}
        data={points}
        dataKey="x"
        series={[
          { name: 'lr', label: 'learning rate (head)', color: 'teal.6' },
          { name: 'mom', label: 'momentum', color: 'orange.6', yAxisId: 'right' },
        ]}
        curveType="linear"
        withDots={false}
        strokeWidth={1.5}
        withLegend
        legendProps={{ verticalAlign: 'top', height: 36 }}
        withRightYAxis
        xAxisProps={{ type: 'number', domain: ['dataMin', 'dataMax'], allowDecimals: false }}
        yAxisProps={{ scale: 'log', domain: ['auto', 'auto'], width: 56 }}
        rightYAxisProps={{ domain: [0.8, 1], width: 48 }}
        xAxisLabel="iteration"
        yAxisLabel="learning rate"
        rightYAxisLabel="momentum"
        valueFormatter={formatLr}
        referenceLines={starts.map((s) => ({ x: s.x, label: s.label, color: 'gray.5' }))}
        lineProps={{ isAnimationActive: false }}
        aria-hidden
      />
      <VisuallyHidden>
        {last
          ? `Learning rate now ${formatLr(last.lr)}, momentum ${formatLr(last.mom)}.`
          : 'No batches yet.'}
      </VisuallyHidden>
    </figure>
  );
}

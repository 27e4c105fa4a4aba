'use client';

import { LineChart } from '@mantine/charts';
import { Text, VisuallyHidden } from '@mantine/core';
import { formatMetric, formatTick } from './format';
import type { runSeries } from './run-series';

/** Per-batch training loss, raw and smoothed (fastai's recorder.plot_losses), across the fit stages. */
export function LossChart({ series }: { series: ReturnType<typeof runSeries> }) {
  const { points, starts, last, total } = series;
  return (
    <figure style={{ margin: 0 }}>
      <Text component="figcaption" fw={600} mb="xs">
        Training loss per batch
      </Text>
      <LineChart
        h={260}
        data={points}
        dataKey="x"
        series={[
          { name: 'loss', label: 'raw loss', color: 'indigo.2' },
          { name: 'smoothLoss', label: 'smoothed loss', color: 'indigo.7' },
        ]}
        curveType="linear"
        withDots={false}
        strokeWidth={1.5}
        withLegend
        legendProps={{ verticalAlign: 'top', height: 36 }}
        xAxisProps={{ type: 'number', domain: ['dataMin', 'dataMax'], allowDecimals: false }}
        yAxisProps={{ width: 56, tickFormatter: formatTick }}
        xAxisLabel="iteration"
        yAxisLabel="loss"
        valueFormatter={(v) => v.toFixed(4)}
        referenceLines={starts.map((s) => ({ x: s.x, label: s.label, color: 'gray.5' }))}
        lineProps={{ isAnimationActive: false }}
        aria-hidden
      />
      <VisuallyHidden>
        {last
          ? `Training loss over ${total} batches; last raw loss ${formatMetric(last.loss)}, smoothed ${formatMetric(last.smoothLoss)}.`
          : 'No batches yet.'}
      </VisuallyHidden>
    </figure>
  );
}

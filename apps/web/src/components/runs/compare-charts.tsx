'use client';

import { ChartLegend, LineChart, type LineChartSeries } from '@mantine/charts';
import type { ReactNode } from 'react';
import { Text, VisuallyHidden } from '@mantine/core';
import type { ShownRun } from './compare-view';
import { formatMetric, formatPercent, formatTick } from './format';

type Row = Record<string, number>;

/**
 * Rows for one chart holding every run: one row per x value, each run's value under its own key.
 * Runs sampled at different x leave gaps, which the chart bridges.
 */
function mergeByX(columns: { key: string; points: { x: number; y: number }[] }[]): Row[] {
  const rows = new Map<number, Row>();
  for (const { key, points } of columns) {
    for (const { x, y } of points) {
      const row = rows.get(x) ?? { x };
      row[key] = y;
      rows.set(x, row);
    }
  }
  return [...rows.values()].sort((a, b) => a.x! - b.x!);
}

function ComparisonChart({
  caption,
  summary,
  data,
  series,
  xLabel,
  yLabel,
  yFormat,
  testId,
  isLegendEntry = () => true,
}: {
  caption: ReactNode;
  summary: string;
  data: Row[];
  series: LineChartSeries[];
  xLabel: string;
  yLabel: string;
  yFormat: (value: number) => string;
  testId: string;
  isLegendEntry?: (series: LineChartSeries) => boolean;
}) {
  const legendNames = new Set(series.filter(isLegendEntry).map((line) => line.name));
  return (
    <figure style={{ margin: 0 }} data-testid={testId}>
      <Text component="figcaption" fw={600} mb="xs">
        {caption}
      </Text>
      {data.length === 0 ? (
        <Text c="dimmed" size="sm">
          None of these runs has recorded any yet.
        </Text>
      ) : (
        <LineChart
          h={280}
          data={data}
          dataKey="x"
          series={series}
          curveType="linear"
          withDots={data.length <= 40}
          strokeWidth={1.75}
          connectNulls
          withLegend
          legendProps={{
            verticalAlign: 'top',
            height: 48,
            // Mantine's own legend lists every line; some charts name only a part of them.
            ...(legendNames.size < series.length && {
              content: ({ payload }) => (
                <ChartLegend
                  payload={payload?.filter((entry) => legendNames.has(String(entry.dataKey)))}
                  series={series}
                  legendPosition="top"
                  onHighlight={() => undefined}
                />
              ),
            }),
          }}
          xAxisProps={{ type: 'number', domain: ['dataMin', 'dataMax'], allowDecimals: false }}
          yAxisProps={{ width: 60, tickFormatter: yFormat }}
          xAxisLabel={xLabel}
          yAxisLabel={yLabel}
          valueFormatter={yFormat}
          lineProps={{ isAnimationActive: false }}
          aria-hidden
        />
      )}
      <VisuallyHidden>{summary}</VisuallyHidden>
    </figure>
  );
}

const epochPoints = (run: ShownRun, pick: (e: ShownRun['epochs'][number]) => number) =>
  run.epochs.map((e) => ({ x: e.epoch, y: pick(e) }));

/** Validation error rate after each epoch, epochs counted across all fit stages of a run. */
export function EpochErrorChart({ runs }: { runs: ShownRun[] }) {
  const data = mergeByX(
    runs.map((r, i) => ({ key: `r${i}`, points: epochPoints(r, (e) => e.errorRate) })),
  );
  const summary = runs
    .map((r) =>
      r.epochs.length
        ? `${r.label}: ${r.epochs.length} epochs, best ${formatPercent(r.bestErrorRate!)}, final ${formatPercent(r.finalErrorRate!)}.`
        : `${r.label}: no epochs yet.`,
    )
    .join(' ');
  return (
    <ComparisonChart
      caption="Validation error rate per epoch"
      summary={summary}
      data={data}
      series={runs.map((r, i) => ({ name: `r${i}`, label: r.label, color: r.color }))}
      xLabel="epoch (whole run)"
      yLabel="error rate"
      yFormat={(v) => `${Number((v * 100).toPrecision(3))}%`}
      testId="compare-error-chart"
    />
  );
}

/** Train (dashed) and validation (solid) loss after each epoch. */
export function EpochLossChart({ runs }: { runs: ShownRun[] }) {
  const data = mergeByX(
    runs.flatMap((r, i) => [
      { key: `r${i}v`, points: epochPoints(r, (e) => e.validLoss) },
      { key: `r${i}t`, points: epochPoints(r, (e) => e.trainLoss) },
    ]),
  );
  const summary = runs
    .map((r) => {
      const last = r.epochs.at(-1);
      return last
        ? `${r.label}: final train loss ${formatMetric(last.trainLoss)}, valid loss ${formatMetric(last.validLoss)}.`
        : `${r.label}: no epochs yet.`;
    })
    .join(' ');
  return (
    <ComparisonChart
      caption={
        <>
          Train and validation loss per epoch{' '}
          <Text span size="sm" c="dimmed" fw={400}>
            (solid: validation, dashed: training)
          </Text>
        </>
      }
      summary={summary}
      data={data}
      series={runs.flatMap((r, i) => [
        { name: `r${i}v`, label: `${r.label} valid`, color: r.color },
        { name: `r${i}t`, label: `${r.label} train`, color: r.color, strokeDasharray: '5 4' },
      ])}
      xLabel="epoch (whole run)"
      yLabel="loss"
      yFormat={formatTick}
      testId="compare-loss-chart"
      isLegendEntry={(line) => line.strokeDasharray === undefined}
    />
  );
}

/** Smoothed training loss per batch, iterations counted across all fit stages of a run. */
export function BatchLossChart({ runs }: { runs: ShownRun[] }) {
  const data = mergeByX(
    runs.map((r, i) => ({
      key: `r${i}`,
      points: r.batches.map((b) => ({ x: b.x, y: b.smoothLoss })),
    })),
  );
  const summary = runs
    .map((r) => {
      const last = r.batches.at(-1);
      return last
        ? `${r.label}: ${last.x + 1} batches, last smoothed loss ${formatMetric(last.smoothLoss)}.`
        : `${r.label}: no batches yet.`;
    })
    .join(' ');
  return (
    <ComparisonChart
      caption="Smoothed training loss per batch"
      summary={summary}
      data={data}
      series={runs.map((r, i) => ({ name: `r${i}`, label: r.label, color: r.color }))}
      xLabel="iteration (whole run)"
      yLabel="smoothed loss"
      yFormat={formatTick}
      testId="compare-batch-chart"
    />
  );
}

'use client';

import { LineChart } from '@mantine/charts';
import { Button, Group, Stack, Text, VisuallyHidden } from '@mantine/core';
import { IconPointer } from '@tabler/icons-react';
import { decadeTicks, formatLr, formatMetric, formatTick } from './format';

export interface LrFindResult {
  lrs: number[];
  losses: number[];
  suggestions: { steepest: number; minDiv10: number } | null;
}

export function isLrFindResult(value: unknown): value is LrFindResult {
  const r = value as LrFindResult | null;
  return !!r && Array.isArray(r.lrs) && Array.isArray(r.losses);
}

/**
 * Where a mark's label goes so that it stays inside the plot: beside the dot on the side away
 * from the nearer edge of the log-scale x axis (never over the y axis's ticks); above or below
 * it in the middle.
 */
export function labelSide(lr: number, first: number, last: number, isAbove: boolean) {
  const at = Math.log(lr / first) / Math.log(last / first);
  if (at < 0.25) return 'right';
  if (at > 0.75) return 'left';
  return isAbove ? 'top' : 'bottom';
}

/**
 * fastai's `learn.recorder.plot()`: smoothed loss against learning rate on a log axis, without
 * the first 10 and last 5 points as fastai v1 plots it, with both suggestions marked. Clicking
 * the curve or a suggestion hands that learning rate to the add-stage form.
 */
export function LrFindChart({
  result,
  onPick,
}: {
  result: LrFindResult;
  onPick: (lr: number, source: string) => void;
}) {
  const all = result.lrs.map((lr, i) => ({ lr, loss: result.losses[i]! }));
  const data = all.length > 20 ? all.slice(10, -5) : all;
  const nearest = (lr: number) =>
    data.reduce(
      (best, p) => (Math.abs(Math.log(p.lr / lr)) < Math.abs(Math.log(best.lr / lr)) ? p : best),
      data[0]!,
    );
  const marks = result.suggestions
    ? [
        {
          key: 'steepest',
          name: 'steepest descent',
          lr: result.suggestions.steepest,
          color: 'teal.7',
          above: true,
        },
        {
          key: 'minDiv10',
          name: 'minimum ÷ 10',
          lr: result.suggestions.minDiv10,
          color: 'violet.6',
          above: false,
        },
      ]
    : [];
  const lowest = data.reduce(
    (best, p) => (p.loss < best.loss ? p : best),
    data[0] ?? { lr: 0, loss: 0 },
  );
  if (data.length === 0) return <Text c="dimmed">The finder recorded no points.</Text>;
  // The finder stops once the loss passes 4× its best; showing more would flatten the useful part.
  const top = Math.min(Math.max(...data.map((p) => p.loss)), lowest.loss * 4);
  const yDomain = [lowest.loss - 0.05 * (top - lowest.loss), top];
  const xTicks = decadeTicks(data[0]!.lr, data.at(-1)!.lr).filter(
    (t) => t >= data[0]!.lr && t <= data.at(-1)!.lr,
  );
  return (
    <Stack gap="xs">
      <figure style={{ margin: 0 }}>
        <Text component="figcaption" fw={600} mb="xs">
          Loss against learning rate{' '}
          <Text span size="sm" c="dimmed" fw={400}>
            (click the curve to use that rate)
          </Text>
        </Text>
        <LineChart
          h={260}
          data={data}
          dataKey="lr"
          series={[{ name: 'loss', label: 'smoothed loss', color: 'indigo.6' }]}
          curveType="linear"
          withDots={false}
          strokeWidth={2}
          xAxisProps={{
            type: 'number',
            scale: 'log',
            domain: ['dataMin', 'dataMax'],
            ticks: xTicks,
            tickFormatter: formatLr,
          }}
          yAxisProps={{
            width: 72,
            domain: yDomain,
            allowDataOverflow: true,
            tickFormatter: formatTick,
          }}
          xAxisLabel="learning rate (log scale)"
          yAxisLabel="loss"
          valueFormatter={(v) => v.toFixed(4)}
          tooltipProps={{ labelFormatter: (lr) => `lr ${formatLr(Number(lr))}` }}
          referenceDots={marks.map((m) => ({
            x: nearest(m.lr).lr,
            y: nearest(m.lr).loss,
            r: 6,
            color: m.color,
            label: {
              value: `${m.name} ${formatLr(m.lr)}`,
              position: labelSide(nearest(m.lr).lr, data[0]!.lr, data.at(-1)!.lr, m.above),
              fontSize: 12,
            },
          }))}
          lineChartProps={{
            onClick: (state) => {
              const point = data[Number(state?.activeIndex)];
              if (point) onPick(point.lr, 'the clicked point');
            },
            style: { cursor: 'pointer' },
          }}
          lineProps={{ isAnimationActive: false }}
          aria-hidden
        />
        <VisuallyHidden>
          {`Loss against learning rate from ${formatLr(data[0]!.lr)} to ${formatLr(data.at(-1)!.lr)}; lowest smoothed loss ${formatMetric(lowest.loss)} at ${formatLr(lowest.lr)}.`}
        </VisuallyHidden>
      </figure>
      {marks.length > 0 ? (
        <Group gap="xs">
          <Text size="sm">Suggested max_lr:</Text>
          {marks.map((m) => (
            <Button
              key={m.key}
              size="compact-sm"
              variant="light"
              color={m.color.split('.')[0]}
              leftSection={<IconPointer size={14} />}
              onClick={() => onPick(m.lr, `the ${m.name} suggestion`)}
            >
              {m.name}: {formatLr(m.lr)}
            </Button>
          ))}
        </Group>
      ) : (
        <Text size="sm" c="dimmed">
          Too few points for a suggestion; pick a rate on the curve where the loss still falls
          steeply.
        </Text>
      )}
    </Stack>
  );
}

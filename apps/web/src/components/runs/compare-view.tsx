'use client';

import Link from 'next/link';
import { Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { IconArrowLeft } from '@tabler/icons-react';
import type { ComparedRun, RunComparison } from '@/server/history';
import { BatchLossChart, EpochErrorChart, EpochLossChart } from './compare-charts';
import { ConfigDiffTable } from './compare-diff-table';
import { RUN_COLORS } from './compare-run-label';
import { CompareSummary } from './compare-summary';

/** A compared run with the colour and legend name it has on every table and chart of the page. */
export type ShownRun = ComparedRun & { color: string; label: string };

/** Two to six runs side by side: what they did, how their configs differ and how they learned. */
export function CompareView({ comparison }: { comparison: RunComparison }) {
  const runs: ShownRun[] = comparison.runs.map((run, i) => {
    const isNameShared = comparison.runs.some((other) => other !== run && other.name === run.name);
    return {
      ...run,
      color: RUN_COLORS[i % RUN_COLORS.length]!,
      label: isNameShared ? `${run.name} (#${i + 1})` : run.name,
    };
  });
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2">
            Compare runs
          </Title>
          <Text c="dimmed">
            {runs.length} runs side by side: their results, every setting that differs, and their
            curves on one axis.
          </Text>
        </div>
        <Button
          component={Link}
          href="/runs"
          variant="default"
          leftSection={<IconArrowLeft size={16} />}
        >
          Run history
        </Button>
      </Group>
      <Card>
        <CompareSummary runs={runs} />
      </Card>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <Card>
          <EpochErrorChart runs={runs} />
        </Card>
        <Card>
          <EpochLossChart runs={runs} />
        </Card>
      </SimpleGrid>
      <Card>
        <BatchLossChart runs={runs} />
      </Card>
      <Card>
        <ConfigDiffTable runs={runs} rows={comparison.diff} />
      </Card>
    </Stack>
  );
}

'use client';

import { useState } from 'react';
import { Group, Switch, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import type { DiffRow } from '@/server/history';
import { CompareHeaderRow } from './compare-run-label';
import type { ShownRun } from './compare-view';

/** Every setting of the runs in one table, rows where the runs disagree highlighted. */
export function ConfigDiffTable({ runs, rows }: { runs: ShownRun[]; rows: DiffRow[] }) {
  const [isOnlyDifferences, setOnlyDifferences] = useState(false);
  const differing = rows.filter((r) => r.isDifferent).length;
  const shown = isOnlyDifferences ? rows.filter((r) => r.isDifferent) : rows;
  return (
    <>
      <Group justify="space-between" mb="sm">
        <div>
          <Title order={2} size="h4" id="config-diff-title">
            Configuration
          </Title>
          <Text size="sm" c="dimmed">
            {differing === 0
              ? 'All settings and stages are the same.'
              : `${differing} of ${rows.length} settings differ (highlighted).`}
          </Text>
        </div>
        <Switch
          label="Show only differences"
          checked={isOnlyDifferences}
          onChange={(e) => setOnlyDifferences(e.currentTarget.checked)}
        />
      </Group>
      <Table.ScrollContainer minWidth={200 + 180 * runs.length}>
        <Table
          aria-labelledby="config-diff-title"
          data-testid="config-diff"
          verticalSpacing={6}
          fz="sm"
          withColumnBorders
        >
          <CompareHeaderRow first="Setting" runs={runs} />
          <Table.Tbody>
            {shown.map((row) => (
              <Table.Tr
                key={row.key}
                data-differs={row.isDifferent || undefined}
                bg={row.isDifferent ? 'var(--mantine-color-yellow-light)' : undefined}
              >
                <Table.Th scope="row" ff="monospace" fw={row.isDifferent ? 700 : 400}>
                  {row.key}
                  {row.isDifferent && <VisuallyHidden> (differs)</VisuallyHidden>}
                </Table.Th>
                {row.values.map((value, i) => (
                  <Table.Td key={runs[i]!.id} ff="monospace">
                    {value ?? (
                      <Text span c="dimmed" aria-label="not set">
                        —
                      </Text>
                    )}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  );
}

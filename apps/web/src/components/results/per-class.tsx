'use client';

import { Progress, Table, Text } from '@mantine/core';
import type { ClassPrecisionRecall } from '@studio/ml/interpret';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** Precision and recall of every class, with how many validation images it has. */
export function PerClassTable({ rows }: { rows: ClassPrecisionRecall[] }) {
  return (
    <Table.ScrollContainer minWidth={520}>
      <Text size="sm" c="dimmed" mb="sm">
        Precision: of the images predicted as the class, the share that are. Recall: of the
        class&apos;s images, the share found. Low recall on a small class usually means it needs
        more examples.
      </Text>
      <Table
        withTableBorder
        striped
        aria-label="Precision and recall per class"
        data-testid="per-class"
      >
        <Table.Thead>
          <Table.Tr>
            <Table.Th>class</Table.Th>
            <Table.Th>precision</Table.Th>
            <Table.Th>recall</Table.Th>
            <Table.Th ta="right">images</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.class}>
              <Table.Td>{r.class}</Table.Td>
              {[r.precision, r.recall].map((v, i) => (
                <Table.Td key={i} w={200}>
                  <Text size="xs" ff="monospace">
                    {pct(v)}
                  </Text>
                  <Progress value={v * 100} size="sm" aria-hidden />
                </Table.Td>
              ))}
              <Table.Td ta="right">{r.support}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

'use client';

import { Card, Table, Text } from '@mantine/core';
import { EmptyState } from '../empty-state';

export function SkippedList({
  skipped,
  total,
}: {
  skipped: { path: string; reason: string }[];
  total: number;
}) {
  if (total === 0) {
    return (
      <EmptyState
        title="Nothing was skipped"
        description="Every file of this dataset was a readable image. Files that are not (broken, too large, not images) are listed here with the reason."
      />
    );
  }
  return (
    <Card p={0}>
      <Text p="md" size="sm" c="dimmed">
        {total.toLocaleString('en')} files were not imported. Fix or remove them and upload again if
        they matter.
        {total > skipped.length ? ` Showing the first ${skipped.length.toLocaleString('en')}.` : ''}
      </Text>
      <Table striped verticalSpacing="xs" aria-label="Skipped files">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>File</Table.Th>
            <Table.Th>Reason</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {skipped.map((s) => (
            <Table.Tr key={s.path}>
              <Table.Td>
                <code>{s.path}</code>
              </Table.Td>
              <Table.Td>{s.reason}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

'use client';

import { Card, Stack, Table, Text } from '@mantine/core';
import { EmptyState } from '../empty-state';

export function SkippedList({
  skipped,
  total,
  textFiles,
}: {
  skipped: { path: string; reason: string }[];
  total: number;
  /** Files that are not images but were kept as text, for the CSV and list labelling schemes. */
  textFiles: string[];
}) {
  const kept = textFiles.length > 0 && (
    <Card p={0}>
      <Text p="md" size="sm" c="dimmed">
        {textFiles.length.toLocaleString('en')} text file{textFiles.length === 1 ? ' is' : 's are'}{' '}
        not images: kept as text, for labelling from a CSV or a list.
      </Text>
      <Table striped verticalSpacing="xs" aria-label="Text files kept for labelling">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>File</Table.Th>
            <Table.Th>Reason</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {textFiles.map((path) => (
            <Table.Tr key={path}>
              <Table.Td>
                <code>{path}</code>
              </Table.Td>
              <Table.Td>not an image; kept as a text file for labelling</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
  if (total === 0) {
    if (kept) return kept;
    return (
      <EmptyState
        title="Nothing was skipped"
        description="Every file of this dataset was a readable image. Files that are not (broken, too large, not images) are listed here with the reason."
      />
    );
  }
  return (
    <Stack>
      <Card p={0}>
        <Text p="md" size="sm" c="dimmed">
          {total.toLocaleString('en')} files were not imported. Fix or remove them and upload again
          if they matter.
          {total > skipped.length
            ? ` Showing the first ${skipped.length.toLocaleString('en')}.`
            : ''}
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
      {kept}
    </Stack>
  );
}

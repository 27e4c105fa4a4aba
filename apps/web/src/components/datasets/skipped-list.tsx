'use client';

import type { ReactNode } from 'react';
import { Card, Stack, Table, Text } from '@mantine/core';
import { EmptyState } from '../empty-state';

/** Files with why each was not imported as an image, under a line that sums them up. */
function FileReasons({
  label,
  summary,
  rows,
}: {
  label: string;
  summary: ReactNode;
  rows: { path: string; reason: string }[];
}) {
  return (
    <Card p={0}>
      <Text p="md" size="sm" c="dimmed">
        {summary}
      </Text>
      <Table striped verticalSpacing="xs" aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>File</Table.Th>
            <Table.Th>Reason</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.path}>
              <Table.Td>
                <code>{row.path}</code>
              </Table.Td>
              <Table.Td>{row.reason}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

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
    <FileReasons
      label="Text files kept for labelling"
      summary={`${textFiles.length.toLocaleString('en')} text file${textFiles.length === 1 ? ' is' : 's are'} not images: kept as text, for labelling from a CSV or a list.`}
      rows={textFiles.map((path) => ({
        path,
        reason: 'not an image; kept as a text file for labelling',
      }))}
    />
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
      <FileReasons
        label="Skipped files"
        summary={`${total.toLocaleString('en')} files were not imported. Fix or remove them and upload again if they matter.${total > skipped.length ? ` Showing the first ${skipped.length.toLocaleString('en')}.` : ''}`}
        rows={skipped}
      />
      {kept}
    </Stack>
  );
}

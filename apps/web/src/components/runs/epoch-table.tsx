'use client';

import { Table } from '@mantine/core';
import { formatClock, formatMetric } from './format';
import type { EpochRow } from './run-series';

/** fastai's progress table: one row per epoch, losses and metrics to six decimals, time as mm:ss. */
export function EpochTable({
  epochs,
  metrics,
  caption,
}: {
  epochs: EpochRow[];
  metrics: string[];
  caption: string;
}) {
  const showsError = metrics.includes('error_rate');
  const showsAccuracy = metrics.includes('accuracy');
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table
        withTableBorder
        striped
        verticalSpacing={4}
        ff="monospace"
        fz="sm"
        aria-label={caption}
        w="auto"
        miw={480}
      >
        <Table.Thead>
          <Table.Tr>
            <Table.Th>epoch</Table.Th>
            <Table.Th ta="right">train_loss</Table.Th>
            <Table.Th ta="right">valid_loss</Table.Th>
            {showsError && <Table.Th ta="right">error_rate</Table.Th>}
            {showsAccuracy && <Table.Th ta="right">accuracy</Table.Th>}
            <Table.Th ta="right">time</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {epochs.map((e) => (
            <Table.Tr key={e.epoch}>
              <Table.Td>{e.epoch}</Table.Td>
              <Table.Td ta="right">{formatMetric(e.trainLoss)}</Table.Td>
              <Table.Td ta="right">{formatMetric(e.validLoss)}</Table.Td>
              {showsError && <Table.Td ta="right">{formatMetric(e.errorRate)}</Table.Td>}
              {showsAccuracy && <Table.Td ta="right">{formatMetric(e.accuracy)}</Table.Td>}
              <Table.Td ta="right">{formatClock(e.seconds)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

'use client';

import { useState } from 'react';
import { Button, Group, NumberInput, Stack, Table, Text } from '@mantine/core';

/** fastai's most_confused(min_val): (actual, predicted, count) pairs off the diagonal, most first. */
export function MostConfused({
  pairs,
  onPair,
}: {
  pairs: [string, string, number][];
  onPair: (actual: string, predicted: string) => void;
}) {
  const [minVal, setMinVal] = useState(2);
  const shown = pairs.filter(([, , count]) => count >= minVal);
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Text size="sm" c="dimmed" maw={640}>
          The pairs of classes the model mixes up at least <code>min_val</code> times. Pairs that
          make sense to a person (similar breeds, similar signs) mean the model is on the right
          track.
        </Text>
        <NumberInput
          label="min_val"
          value={minVal}
          onChange={(v) => setMinVal(Math.max(1, Number(v) || 1))}
          min={1}
          w={120}
        />
      </Group>
      {shown.length === 0 ? (
        <Text c="dimmed" data-testid="most-confused-empty">
          No pair of classes is confused {minVal} times or more. Lower min_val to see rarer
          mistakes.
        </Text>
      ) : (
        <Table
          withTableBorder
          striped
          w="auto"
          miw={420}
          aria-label={`Most confused pairs, min_val ${minVal}`}
          data-testid="most-confused"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th>actual</Table.Th>
              <Table.Th>predicted</Table.Th>
              <Table.Th ta="right">count</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map(([actual, predicted, count]) => (
              <Table.Tr key={`${actual}\u0000${predicted}`}>
                <Table.Td>{actual}</Table.Td>
                <Table.Td>{predicted}</Table.Td>
                <Table.Td ta="right">{count}</Table.Td>
                <Table.Td>
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    onClick={() => onPair(actual, predicted)}
                    aria-label={`Show the ${count} images of ${actual} predicted as ${predicted}`}
                  >
                    Show images
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

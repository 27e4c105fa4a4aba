'use client';

import { useMemo, useState } from 'react';
import {
  Group,
  ScrollArea,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';

type View = 'counts' | 'normalised';

/** Blue ramp like fastai's plot_confusion_matrix (matplotlib "Blues"); text turns white on dark cells. */
function cellStyle(intensity: number) {
  const a = Math.max(0, Math.min(1, intensity));
  return {
    background: a === 0 ? undefined : `rgba(28, 100, 184, ${0.08 + 0.87 * a})`,
    color: a > 0.5 ? 'white' : undefined,
  };
}

/**
 * fastai's confusion matrix as a heat-mapped table: rows are actual classes, columns the
 * predictions, counts in the cells. With many classes the cells shrink, the column names turn
 * vertical and the class column stays put while the table scrolls.
 */
export function ConfusionMatrix({
  classes,
  matrix,
  onCell,
}: {
  classes: string[];
  matrix: number[][];
  onCell: (actual: number, predicted: number) => void;
}) {
  const [view, setView] = useState<View>('counts');
  const c = classes.length;
  const dense = c > 15;
  // Pets-sized problems (37 classes) still fit a laptop screen without scrolling sideways.
  const cellSize = c > 30 ? 24 : dense ? 30 : 52;
  const total = useMemo(() => matrix.flat().reduce((a, b) => a + b, 0), [matrix]);
  const max = useMemo(() => Math.max(1, ...matrix.flat()), [matrix]);
  const rowSums = useMemo(() => matrix.map((row) => row.reduce((a, b) => a + b, 0)), [matrix]);
  const correct = matrix.reduce((sum, row, i) => sum + (row[i] ?? 0), 0);

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Text size="sm" c="dimmed" maw={640}>
          Rows are the actual classes, columns what the model predicted; the diagonal is what it got
          right. Click a cell to see its images.
        </Text>
        <SegmentedControl
          value={view}
          onChange={(v) => setView(v as View)}
          data={[
            { value: 'counts', label: 'Counts' },
            { value: 'normalised', label: 'Normalised by row' },
          ]}
          aria-label="Confusion matrix values"
        />
      </Group>
      <Text size="sm" data-testid="confusion-total">
        {total} validation images, {correct} on the diagonal (
        {((correct / Math.max(1, total)) * 100).toFixed(1)}% correct).
      </Text>
      <ScrollArea type="auto" offsetScrollbars>
        <Table
          withTableBorder
          withColumnBorders
          horizontalSpacing={0}
          verticalSpacing={0}
          fz={c > 30 ? 10 : dense ? 11 : 'sm'}
          w="auto"
          aria-label={`Confusion matrix, ${c} classes, ${view}`}
          data-testid="confusion-matrix"
          style={{ tableLayout: 'fixed' }}
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th
                style={{
                  position: 'sticky',
                  left: 0,
                  zIndex: 2,
                  background: 'var(--mantine-color-body)',
                  minWidth: 120,
                  verticalAlign: 'bottom',
                  padding: 6,
                }}
              >
                <Text fz="xs" c="dimmed">
                  actual ↓ · predicted →
                </Text>
              </Table.Th>
              {classes.map((name) => (
                <Table.Th
                  key={name}
                  scope="col"
                  style={{
                    width: cellSize,
                    minWidth: cellSize,
                    maxWidth: cellSize,
                    padding: '6px 0',
                    verticalAlign: 'bottom',
                    textAlign: 'center',
                  }}
                >
                  <Tooltip label={name} disabled={name.length < 10}>
                    <span
                      style={{
                        writingMode: dense ? 'vertical-rl' : undefined,
                        transform: dense ? 'rotate(180deg)' : undefined,
                        display: 'inline-block',
                        maxHeight: 120,
                        maxWidth: dense ? undefined : cellSize - 4,
                        overflow: 'hidden',
                        textOverflow: 'ellipsis',
                        whiteSpace: 'nowrap',
                      }}
                    >
                      {name}
                    </span>
                  </Tooltip>
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {classes.map((actual, i) => (
              <Table.Tr key={actual}>
                <Table.Th
                  scope="row"
                  style={{
                    position: 'sticky',
                    left: 0,
                    zIndex: 1,
                    background: 'var(--mantine-color-body)',
                    padding: '0 8px',
                    whiteSpace: 'nowrap',
                    maxWidth: dense ? 150 : 180,
                    overflow: 'hidden',
                    textOverflow: 'ellipsis',
                  }}
                  title={actual}
                >
                  {actual}
                </Table.Th>
                {matrix[i]!.map((count, j) => {
                  const share = count / Math.max(1, rowSums[i]!);
                  const intensity = view === 'counts' ? count / max : share;
                  const label = view === 'counts' ? String(count) : share.toFixed(2);
                  const description = `actual ${actual}, predicted ${classes[j]}: ${count} image${count === 1 ? '' : 's'} (${(share * 100).toFixed(1)}% of ${actual})`;
                  return (
                    <Table.Td
                      key={j}
                      data-count={count}
                      style={{
                        ...cellStyle(intensity),
                        height: cellSize,
                        textAlign: 'center',
                        padding: 0,
                        outline: i === j ? '1px solid var(--mantine-color-gray-5)' : undefined,
                        outlineOffset: -1,
                      }}
                    >
                      {count > 0 ? (
                        <UnstyledButton
                          onClick={() => onCell(i, j)}
                          aria-label={description}
                          title={description}
                          style={{
                            width: '100%',
                            height: '100%',
                            color: 'inherit',
                            fontSize: 'inherit',
                          }}
                        >
                          {label}
                        </UnstyledButton>
                      ) : (
                        <span aria-label={description} style={{ opacity: 0.35 }}>
                          {view === 'counts' && !dense ? '0' : ''}
                        </span>
                      )}
                    </Table.Td>
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
    </Stack>
  );
}

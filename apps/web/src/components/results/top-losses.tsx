'use client';

import { useState } from 'react';
import { Group, NumberInput, SimpleGrid, Stack, Text } from '@mantine/core';
import type { RankedItem } from '@/server/interpretation';
import { ImageCard } from './image-card';
import { MarkableCard } from './markable-card';
import type { Marks, SetMark } from './marks';

/** fastai's plot_top_losses(k): the validation images the model was most wrong or least sure about. */
export function TopLosses({
  ranked,
  classes,
  onOpen,
  marking,
}: {
  ranked: RankedItem[];
  classes: string[];
  onOpen: (item: RankedItem) => void;
  /** For members who may write: mark images to relabel or exclude. */
  marking?: { marks: Marks; onMark: SetMark };
}) {
  const [k, setK] = useState(9);
  const shown = ranked.slice(0, k);
  return (
    <Stack>
      <Group align="flex-end" justify="space-between">
        <Text size="sm" c="dimmed" maw={640}>
          Each caption reads prediction / actual, then loss / probability of the actual class, as
          fastai prints them. A high loss with a confident wrong prediction is often a mislabelled
          image; click one to see it full size.
          {marking &&
            ' Mark images to relabel or exclude, then save a corrected version: on a focused image, keys 1–9 relabel to that class, X excludes, U clears, arrows move.'}
        </Text>
        <NumberInput
          label="Images (k)"
          value={k}
          onChange={(v) => setK(Math.max(1, Math.min(ranked.length, Number(v) || 1)))}
          min={1}
          max={ranked.length}
          w={120}
        />
      </Group>
      <SimpleGrid
        cols={{ base: 2, sm: 3, md: 5, lg: 6 }}
        spacing="sm"
        data-testid="top-losses"
        data-mark-grid
      >
        {shown.map((item) =>
          marking ? (
            <MarkableCard
              key={item.fileId}
              item={item}
              classes={classes}
              mark={marking.marks.get(item.fileId)}
              onMark={marking.onMark}
              onOpen={onOpen}
            />
          ) : (
            <ImageCard key={item.fileId} item={item} classes={classes} onOpen={onOpen} />
          ),
        )}
      </SimpleGrid>
    </Stack>
  );
}

'use client';

import { Card, Image, Stack, Text, UnstyledButton } from '@mantine/core';
import type { RankedItem } from '@/server/interpretation';

/** One validation image with fastai's top-losses caption: prediction / actual / loss / probability. */
export function ImageCard({
  item,
  classes,
  onOpen,
}: {
  item: RankedItem;
  classes: string[];
  onOpen?: (item: RankedItem) => void;
}) {
  const predicted = classes[item.predicted]!;
  const actual = classes[item.actual]!;
  const isWrong = item.predicted !== item.actual;
  const caption = `predicted ${predicted}, actual ${actual}, loss ${item.loss.toFixed(2)}, probability of ${actual} ${item.probActual.toFixed(2)}`;
  const body = (
    <Card padding="xs" withBorder data-testid="result-image">
      <Card.Section>
        <Image
          src={`/api/files/${item.fileId}?size=thumb`}
          alt={caption}
          h={128}
          fit="contain"
          bg="gray.1"
        />
      </Card.Section>
      <Stack gap={0} mt={6} ff="monospace" fz="xs">
        <Text fz="xs" ff="monospace" c={isWrong ? 'red.8' : 'teal.8'} truncate>
          {predicted} / {actual}
        </Text>
        <Text fz="xs" ff="monospace" c="dimmed">
          {item.loss.toFixed(2)} / {item.probActual.toFixed(2)}
        </Text>
      </Stack>
    </Card>
  );
  if (!onOpen) return body;
  return (
    <UnstyledButton onClick={() => onOpen(item)} aria-label={`Open image: ${caption}`}>
      {body}
    </UnstyledButton>
  );
}

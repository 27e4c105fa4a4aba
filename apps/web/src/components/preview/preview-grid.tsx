'use client';

import { Alert, Box, Image, SimpleGrid, Text } from '@mantine/core';
import type { PreviewResult } from '@studio/shared';

/** Images in a grid of `cols` columns, each captioned (fastai's show_batch layout). */
export function PreviewGrid({
  images,
  cols,
  caption,
  describe,
  label,
}: {
  images: PreviewResult['images'];
  cols: number;
  caption: (image: PreviewResult['images'][number], index: number) => string;
  /** The image's alternative text, e.g. "Training image 3"; the caption follows it. */
  describe: (index: number) => string;
  /** The grid's accessible name. */
  label: string;
}) {
  if (images.length === 0) return <Alert color="gray">No images to show.</Alert>;
  return (
    <SimpleGrid cols={cols} spacing="xs" maw={cols * 180} role="list" aria-label={label}>
      {images.map((image, i) => (
        <Box component="figure" m={0} key={`${image.fileId}-${i}`} role="listitem">
          <Image
            src={`data:image/png;base64,${image.png}`}
            alt={describe(i)}
            radius="sm"
            w="100%"
            style={{ aspectRatio: '1 / 1' }}
          />
          <Text component="figcaption" size="sm" ta="center" truncate>
            {caption(image, i)}
          </Text>
        </Box>
      ))}
    </SimpleGrid>
  );
}

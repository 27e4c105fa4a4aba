'use client';

import { Card, SimpleGrid, Text, Title } from '@mantine/core';
import { previewConfig } from '@studio/shared';
import { AugmentPreview } from './augment-preview';
import { ShowBatch } from './show-batch';

const FIX_SETTINGS = 'Fix the image size, seed or augmentation settings to see the images.';

/**
 * The run form's look at the data with the settings as they are now: one photo under the
 * augmentation, and a labelled batch. Both follow every change above.
 */
export function RunPreviews({ versionId, settings }: { versionId: string; settings: unknown }) {
  const parsed = previewConfig.safeParse(settings);
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg" data-testid="run-previews">
      <Card>
        <Title order={2} size="h4" mb="xs">
          Augmentation preview
        </Title>
        {parsed.success ? (
          <AugmentPreview versionId={versionId} config={parsed.data} />
        ) : (
          <Text size="sm" role="status">
            {FIX_SETTINGS}
          </Text>
        )}
      </Card>
      <Card>
        <Title order={2} size="h4" mb="xs">
          Look at a batch
        </Title>
        <Text size="sm" c="dimmed" mb="sm">
          What the model will see with these settings, labelled.
        </Text>
        {parsed.success ? (
          <ShowBatch versionId={versionId} config={parsed.data} />
        ) : (
          <Text size="sm" role="status">
            {FIX_SETTINGS}
          </Text>
        )}
      </Card>
    </SimpleGrid>
  );
}

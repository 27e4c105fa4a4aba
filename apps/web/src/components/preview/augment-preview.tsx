'use client';

import { Group, Loader, Stack, Text } from '@mantine/core';
import type { PreviewConfig } from '@studio/shared';
import { PreviewGrid } from './preview-grid';
import { PreviewError } from './preview-error';
import { usePreview } from './use-preview';

const DRAWS = 8;

/**
 * One training photo under eight random draws of the augmentation settings (what fastai's
 * `get_transforms()` does to it), redrawn on every change; the run's seed fixes the draws.
 */
export function AugmentPreview({
  versionId,
  config,
}: {
  versionId: string;
  config: PreviewConfig;
}) {
  const { result, error, isLoading, retry } = usePreview(versionId, {
    kind: 'augment',
    n: DRAWS,
    config,
  });
  return (
    <Stack gap="sm" data-testid="augment-preview">
      <Group gap="xs">
        <Text size="sm" c="dimmed">
          {config.augment.enabled
            ? `${DRAWS} draws of these settings, seed ${config.seed}.`
            : 'Augmentation is off: every draw is the same centre crop.'}
        </Text>
        {isLoading && <Loader size="xs" aria-label="Drawing the augmentations" />}
      </Group>
      {error && (
        <PreviewError
          title="The preview could not be drawn"
          error={error}
          isLoading={isLoading}
          onRetry={retry}
        />
      )}
      {result && (
        <PreviewGrid
          images={result.images}
          cols={4}
          caption={(_, i) => `draw ${i + 1}`}
          describe={(i) => `${result.images[i]!.label} photo, augmentation draw ${i + 1}`}
          label="Augmentation draws"
        />
      )}
    </Stack>
  );
}

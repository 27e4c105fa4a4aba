'use client';

import { useState } from 'react';
import { Button, Group, Loader, NumberInput, Stack, Text } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import type { PreviewConfig } from '@studio/shared';
import { LabelledSegmentedControl } from '../labelled-segmented-control';
import { PreviewGrid } from './preview-grid';
import { PreviewError } from './preview-error';
import { usePreview } from './use-preview';

type Split = 'train' | 'valid';

/**
 * fastai v1 `data.show_batch(rows=3)`: a batch as a run with `config` sees it (its size, resize
 * mode and augmentation), prepared by a worker with the learner's own data pipeline.
 */
export function ShowBatch({
  versionId,
  config,
}: {
  versionId: string;
  /** The run's data settings; the run defaults when absent. */
  config?: PreviewConfig;
}) {
  const [rows, setRows] = useState<number | string>(3);
  const [batch, setBatch] = useState(0);
  const [split, setSplit] = useState<Split>('train');
  const rowCount = typeof rows === 'number' && rows >= 1 && rows <= 6 ? rows : 3;
  const { result, answered, error, isLoading, retry } = usePreview(versionId, {
    kind: 'batch',
    rows: rowCount,
    batch,
    split,
    ...(config ? { config } : {}),
  });
  // Named after the batch shown, which lags the controls while the next one is prepared.
  const shown = answered?.kind === 'batch' ? answered : null;
  const splitName = shown?.split === 'valid' ? 'Validation' : 'Training';
  const batchNumber = (shown?.batch ?? 0) + 1;
  return (
    <Stack gap="sm" data-testid="show-batch">
      <Group align="flex-end" gap="md">
        <NumberInput
          label="Rows"
          description="rows × rows images, as show_batch(rows=3)."
          value={rows}
          onChange={setRows}
          min={1}
          max={6}
          allowDecimal={false}
          w={200}
        />
        <LabelledSegmentedControl
          label="Images"
          description="Validation images are never augmented."
          value={split}
          onChange={setSplit}
          data={[
            { value: 'train', label: 'Training' },
            { value: 'valid', label: 'Validation' },
          ]}
        />
        <Button
          variant="default"
          leftSection={<IconRefresh size={16} />}
          onClick={() => setBatch((b) => b + 1)}
        >
          Another batch
        </Button>
        {isLoading && <Loader size="sm" aria-label="Preparing the batch" />}
      </Group>
      {error && (
        <PreviewError
          title="The batch could not be shown"
          error={error}
          isLoading={isLoading}
          onRetry={retry}
        />
      )}
      {result && shown && (
        <>
          <PreviewGrid
            images={result.images}
            cols={Math.ceil(Math.sqrt(result.images.length))}
            caption={(image) => image.label}
            describe={(i) => `${splitName} image ${i + 1}`}
            label={`${splitName} batch ${batchNumber}`}
          />
          <Text size="xs" c="dimmed" aria-live="polite">
            {splitName} batch {batchNumber}: {result.images.length} images, prepared in {result.ms}{' '}
            ms.
          </Text>
        </>
      )}
    </Stack>
  );
}

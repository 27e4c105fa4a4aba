'use client';

import Link from 'next/link';
import { Alert, Anchor, Stack, Text, Title } from '@mantine/core';
import type { TrainableVersion } from '@/server/runs';
import { NewRunForm } from './new-run-form';
import { VersionPicker } from './version-picker';

/** /runs/new: the form for a chosen dataset version, or the list to choose one from. */
export function NewRun({
  versions,
  versionId,
}: {
  versions: TrainableVersion[];
  versionId: string | null;
}) {
  const version = versionId ? versions.find((v) => v.id === versionId) : undefined;
  return (
    <Stack gap="lg" maw={1100}>
      <div>
        <Title order={1} size="h2">
          New training run
        </Title>
        {version ? (
          <Text c="dimmed">
            On{' '}
            <Anchor component={Link} href={`/datasets/${version.dataset.id}`}>
              {version.dataset.name}
            </Anchor>{' '}
            version {version.number}: {version.classes} classes,{' '}
            {version.trainCount.toLocaleString('en')} training and{' '}
            {version.validCount.toLocaleString('en')} validation images.{' '}
            <Anchor component={Link} href="/runs/new">
              Choose another version
            </Anchor>
          </Text>
        ) : (
          <Text c="dimmed">
            Like cnn_learner(data, arch) then fit_one_cycle; first pick the data the model learns
            from.
          </Text>
        )}
      </div>
      {versionId && !version && (
        <Alert color="orange" role="alert">
          There is no dataset version with id {versionId}. Pick one below.
        </Alert>
      )}
      {version ? <NewRunForm version={version} /> : <VersionPicker versions={versions} />}
    </Stack>
  );
}

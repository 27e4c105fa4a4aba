'use client';

import { Group, Progress, Stack, Text, VisuallyHidden } from '@mantine/core';
import { formatClock, formatMetric } from './format';
import type { BatchEvent } from './use-run-live';

const PHASES: Record<BatchEvent['phase'], string> = {
  cache: 'caching the frozen body’s features',
  train: 'training',
  valid: 'validating',
  lr_find: 'finding the learning rate',
};

/** The running stage's place in its fit: batch of epoch, epoch of epochs, ETA and phase. */
export function StageProgress({ event }: { event: BatchEvent | undefined }) {
  if (!event) {
    return (
      <Stack gap={4}>
        <Progress value={100} striped animated aria-label="Stage progress: starting" />
        <Text size="sm" c="dimmed" aria-live="polite">
          Starting: loading data and the model…
        </Text>
      </Stack>
    );
  }
  if (event.phase === 'cache') return <CacheProgress event={event} />;
  const isLrFind = event.phase === 'lr_find';
  const epochPct = event.batches > 0 ? (100 * event.batch) / event.batches : 0;
  const overallPct =
    event.epochs > 0 && event.batches > 0
      ? (100 * (event.epoch * event.batches + event.batch)) / (event.epochs * event.batches)
      : 0;
  const eta =
    event.etaS === null ? 'estimating time left' : `about ${formatClock(event.etaS)} left`;
  return (
    <Stack gap={6}>
      <Group justify="space-between" gap="xs">
        <Text size="sm" fw={600}>
          {isLrFind
            ? `Iteration ${event.batch} of ${event.batches}`
            : `Epoch ${event.epoch + 1} of ${event.epochs} · batch ${event.batch} of ${event.batches}`}
          <Text span c="dimmed" fw={400}>
            {' '}
            · {PHASES[event.phase]}
          </Text>
        </Text>
        <Text size="sm" c="dimmed">
          {eta} · smoothed loss{' '}
          <span style={{ fontFamily: 'monospace' }}>{formatMetric(event.smoothLoss)}</span>
        </Text>
      </Group>
      <Progress
        value={epochPct}
        aria-label={isLrFind ? 'Learning-rate finder progress' : 'Progress through this epoch'}
        transitionDuration={200}
      />
      {!isLrFind && event.epochs > 1 && (
        <Progress
          value={overallPct}
          size="xs"
          color="teal"
          aria-label="Progress through all epochs of the stage"
        />
      )}
      {/* Announced per epoch and phase, not per batch, so a screen reader is not flooded. */}
      <VisuallyHidden aria-live="polite">
        {isLrFind
          ? 'Learning-rate finder running'
          : `Epoch ${event.epoch + 1} of ${event.epochs}, ${PHASES[event.phase]}`}
      </VisuallyHidden>
    </Stack>
  );
}

/** A feature cache build: images through the frozen body before the head trains on them. */
function CacheProgress({ event }: { event: BatchEvent }) {
  const pct = event.batches > 0 ? (100 * event.batch) / event.batches : 0;
  return (
    <Stack gap={6}>
      <Group justify="space-between" gap="xs">
        <Text size="sm" fw={600}>
          Feature cache · image {event.batch.toLocaleString('en')} of{' '}
          {event.batches.toLocaleString('en')}
          <Text span c="dimmed" fw={400}>
            {' '}
            · {PHASES.cache}, then {event.epochs} epoch{event.epochs === 1 ? '' : 's'} of the head
          </Text>
        </Text>
        <Text size="sm" c="dimmed">
          {event.etaS === null
            ? 'estimating time left'
            : `about ${formatClock(event.etaS)} left to cache`}
        </Text>
      </Group>
      <Progress value={pct} aria-label="Feature cache progress" transitionDuration={200} />
      <VisuallyHidden aria-live="polite">Building the feature cache</VisuallyHidden>
    </Stack>
  );
}

'use client';

import Link from 'next/link';
import { useState } from 'react';
import { Alert, Button, Code, Group, Stack, Text } from '@mantine/core';
import {
  IconAlertTriangle,
  IconBolt,
  IconChartGridDots,
  IconRefresh,
  IconStack2,
  IconTrash,
} from '@tabler/icons-react';
import { StatusBadge } from '../status-badge';
import { useIsHydrated } from '../use-is-hydrated';
import { useViewer } from '../viewer-context';
import { callApi } from './call-api';
import { EpochTable } from './epoch-table';
import { stageSeconds } from '@studio/shared';
import { formatClock, formatDateTime, formatStageCall } from './format';
import { LrFindChart, isLrFindResult } from './lr-find-chart';
import type { RunStage } from './run-series';
import { StageProgress } from './stage-progress';
import type { BatchEvent } from './use-run-live';

function timing(stage: RunStage): string {
  if (stage.status === 'queued') return 'waiting for the worker';
  const seconds = stageSeconds(stage);
  if (seconds === null) return '';
  const where = stage.worker ? ` on ${stage.worker}` : '';
  if (stage.status === 'running') return `running for ${formatClock(seconds)}${where}`;
  return `took ${formatClock(seconds)}${where} · ${stage.finishedAt ? `ended ${formatDateTime(stage.finishedAt)}` : ''}`;
}

/**
 * A fit's run-log line about how it trained: 'precompute' on the feature cache, 'microBatch' in
 * passes smaller than the batch; null when it did not.
 */
function fitNote(result: unknown, key: 'precompute' | 'microBatch'): string | null {
  const part = (result as Record<string, { message?: unknown } | null> | null)?.[key];
  return typeof part?.message === 'string' ? part.message : null;
}

/** Which epoch's weights a finished fit ended with, and its best epoch (both 1-based). */
export function weightsNote(result: unknown): string | null {
  const r = result as {
    weights?: { kind?: unknown; epoch?: unknown };
    bestEpoch?: unknown;
    lastEpoch?: unknown;
  } | null;
  if (typeof r?.weights?.epoch !== 'number' || typeof r.bestEpoch !== 'number') return null;
  const epoch = r.weights.epoch + 1;
  if (r.weights.kind === 'best')
    return `Holds the weights of its best epoch, ${epoch} (restored at the end).`;
  return r.bestEpoch === r.weights.epoch
    ? `Holds the weights of its last epoch, ${epoch}, also its best.`
    : `Holds the weights of its last epoch, ${epoch}; its best epoch was ${r.bestEpoch + 1}.`;
}

/** How a finished fit trained, where it differs from a plain fastai fit. */
function FitNotes({ result }: { result: unknown }) {
  const cache = fitNote(result, 'precompute');
  const passes = fitNote(result, 'microBatch');
  const weights = weightsNote(result);
  return (
    <>
      {weights && (
        <Text size="sm" c="dimmed">
          {weights}
        </Text>
      )}
      {cache && (
        <Alert
          color="blue"
          variant="light"
          icon={<IconBolt />}
          title="Trained with the feature cache"
        >
          <Text size="sm">{cache}</Text>
        </Alert>
      )}
      {passes && (
        <Alert color="gray" variant="light" icon={<IconStack2 />} title="Trained in smaller passes">
          <Text size="sm">{passes}</Text>
        </Alert>
      )}
    </>
  );
}

/** One stage of the run: what it does, how it went, and what can be done with it now. */
export function StageItem({
  stage,
  number,
  metrics,
  batchSize,
  progress,
  onChanged,
  onPickLr,
}: {
  stage: RunStage;
  /** Position in the list; indexes keep gaps where pending stages were removed. */
  number: number;
  metrics: string[];
  batchSize: number;
  progress: BatchEvent | undefined;
  onChanged: () => Promise<void>;
  onPickLr: (lr: number, source: string) => void;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  const { canWrite } = useViewer();
  // The clock and the reader's time zone are the browser's: timings wait for hydration.
  const isHydrated = useIsHydrated();
  const act = async (
    key: string,
    what: string,
    method: 'POST' | 'DELETE',
    url: string,
    body?: unknown,
  ) => {
    setBusy(key);
    if (await callApi(what, method, url, body)) await onChanged();
    setBusy(null);
  };
  const title = `Stage ${number}`;
  const isOom = stage.errorKind === 'oom';
  const canRetry = stage.status === 'failed' || stage.status === 'cancelled';
  const halfBatch = Math.max(1, Math.floor(batchSize / 2));
  return (
    <Stack gap="sm" data-testid={`stage-${number}`}>
      <Group justify="space-between" gap="xs" wrap="wrap">
        <Group gap="xs">
          <Text fw={600}>{title}</Text>
          <Code fz="sm">{formatStageCall(stage.kind, stage.params)}</Code>
          <StatusBadge status={stage.status} />
        </Group>
        <Group gap="xs">
          {stage.kind === 'fit_one_cycle' && stage.resultsErrorRate !== null && (
            <Button
              component={Link}
              href={`/runs/${stage.runId}/stages/${stage.id}`}
              size="compact-sm"
              variant="light"
              leftSection={<IconChartGridDots size={14} />}
              aria-label={`Results of ${title.toLowerCase()}: top losses, confusion matrix, predict, export`}
            >
              Results
            </Button>
          )}
          {canWrite && stage.status === 'pending' && (
            <Button
              size="compact-sm"
              variant="subtle"
              color="red"
              leftSection={<IconTrash size={14} />}
              loading={busy === 'remove'}
              aria-label={`Remove ${title.toLowerCase()}`}
              onClick={() => act('remove', 'remove the stage', 'DELETE', `/api/stages/${stage.id}`)}
            >
              Remove
            </Button>
          )}
          {canWrite && canRetry && isOom && (
            <Button
              size="compact-sm"
              leftSection={<IconRefresh size={14} />}
              loading={busy === 'halve'}
              onClick={() =>
                act('halve', 'retry the stage', 'POST', `/api/stages/${stage.id}/retry`, {
                  halveBatch: true,
                })
              }
            >
              Retry with batch size {halfBatch}
            </Button>
          )}
          {canWrite && canRetry && (
            <Button
              size="compact-sm"
              variant={isOom ? 'default' : 'light'}
              leftSection={<IconRefresh size={14} />}
              loading={busy === 'retry'}
              aria-label={`Retry ${title.toLowerCase()}`}
              onClick={() =>
                act('retry', 'retry the stage', 'POST', `/api/stages/${stage.id}/retry`, {
                  halveBatch: false,
                })
              }
            >
              Retry
            </Button>
          )}
        </Group>
      </Group>
      {stage.status !== 'pending' && (
        // Its own line, its height kept before hydration, so the buttons above do not move.
        <Text size="sm" c="dimmed" mt={-8} mih="1.55em">
          {isHydrated ? timing(stage) : ''}
        </Text>
      )}
      {stage.status === 'running' && (
        <>
          {stage.kind === 'fit_one_cycle' || stage.kind === 'lr_find' ? (
            <StageProgress event={progress} />
          ) : (
            <Text size="sm" c="dimmed" aria-live="polite">
              Working…
            </Text>
          )}
          {stage.cancelRequested && (
            <Text size="sm" c="orange">
              Stopping after the current batch…
            </Text>
          )}
        </>
      )}
      {stage.error && (stage.status === 'failed' || stage.status === 'cancelled') && (
        <Alert
          color={isOom ? 'orange' : 'red'}
          icon={<IconAlertTriangle />}
          title={isOom ? 'Out of memory: use a smaller batch size' : 'This stage failed'}
        >
          <Text size="sm">{stage.error}</Text>
          {isOom && (
            <Text size="sm" mt={4}>
              The batch size is {batchSize}. Halving it to {halfBatch} needs about half the memory
              per step; fastai&apos;s advice is the same (<Code>bs=…</Code>).
            </Text>
          )}
        </Alert>
      )}
      {stage.kind === 'fit_one_cycle' && stage.epochs.length > 0 && (
        <EpochTable epochs={stage.epochs} metrics={metrics} caption={`${title} epochs`} />
      )}
      {stage.kind === 'fit_one_cycle' && stage.status === 'done' && (
        <FitNotes result={stage.result} />
      )}
      {stage.kind === 'lr_find' && stage.status === 'done' && isLrFindResult(stage.result) && (
        <LrFindChart result={stage.result} onPick={onPickLr} />
      )}
      {stage.kind === 'save' && stage.status === 'done' && (
        <Text size="sm" c="dimmed">
          Saved as checkpoint “{String(stage.params.name)}”; a load(&apos;
          {String(stage.params.name)}
          &apos;) stage brings it back.
        </Text>
      )}
    </Stack>
  );
}

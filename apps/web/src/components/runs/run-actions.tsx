'use client';

import { useState } from 'react';
import { Button, Group } from '@mantine/core';
import { IconPlayerPlay, IconPlayerStop, IconPlayerTrackNext } from '@tabler/icons-react';
import { ConfirmButton } from '../confirm-button';
import { useViewer } from '../viewer-context';
import { callApi } from './call-api';
import type { RunStage } from './run-series';

/** Start pending stages (one, or all as a plan) and stop what is queued or running. */
export function RunActions({
  runId,
  stages,
  onChanged,
}: {
  runId: string;
  stages: RunStage[];
  onChanged: () => Promise<void>;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  const { canWrite } = useViewer();
  // Stages a cancel stopped before they started launch like pending ones.
  const pending = stages.filter(
    (s) => s.status === 'pending' || (s.status === 'cancelled' && !s.startedAt),
  ).length;
  const isBusy = stages.some((s) => s.status === 'queued' || s.status === 'running');
  const act = async (key: string, what: string, url: string, body?: unknown) => {
    setBusy(key);
    if (await callApi(what, 'POST', url, body)) await onChanged();
    setBusy(null);
  };
  // Viewers cannot change a run: they do not see the controls.
  if (!canWrite) return null;
  return (
    <Group gap="xs">
      {pending > 0 && (
        <>
          <Button
            variant="light"
            leftSection={<IconPlayerTrackNext size={16} />}
            loading={busy === 'next'}
            onClick={() =>
              act('next', 'launch the stage', `/api/runs/${runId}/launch`, { mode: 'next' })
            }
          >
            Launch next stage
          </Button>
          <Button
            leftSection={<IconPlayerPlay size={16} />}
            loading={busy === 'all'}
            onClick={() =>
              act('all', 'launch the stages', `/api/runs/${runId}/launch`, { mode: 'all' })
            }
          >
            Launch all pending ({pending})
          </Button>
        </>
      )}
      {isBusy && (
        <ConfirmButton
          color="red"
          variant="light"
          leftSection={<IconPlayerStop size={16} />}
          loading={busy === 'cancel'}
          question="Stop the running stage at its next batch and cancel the stages after it? Launch them again later to continue."
          confirmLabel="Cancel the run"
          onConfirm={() => act('cancel', 'cancel the run', `/api/runs/${runId}/cancel`)}
        >
          Cancel
        </ConfirmButton>
      )}
    </Group>
  );
}

'use client';

import { useState } from 'react';
import { Button, Group } from '@mantine/core';
import { IconPlayerPlay, IconPlayerStop, IconPlayerTrackNext } from '@tabler/icons-react';
import { READ_ONLY_HINT, useViewer } from '../viewer-context';
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
  // Viewers see the controls, disabled, with the reason.
  const readOnly = canWrite ? {} : { disabled: true, title: READ_ONLY_HINT };
  const pending = stages.filter((s) => s.status === 'pending').length;
  const isBusy = stages.some((s) => s.status === 'queued' || s.status === 'running');
  const act = async (key: string, what: string, url: string, body?: unknown) => {
    setBusy(key);
    if (await callApi(what, 'POST', url, body)) await onChanged();
    setBusy(null);
  };
  return (
    <Group gap="xs">
      {pending > 0 && (
        <>
          <Button
            variant="light"
            leftSection={<IconPlayerTrackNext size={16} />}
            loading={busy === 'next'}
            {...readOnly}
            onClick={() =>
              act('next', 'launch the stage', `/api/runs/${runId}/launch`, { mode: 'next' })
            }
          >
            Launch next stage
          </Button>
          <Button
            leftSection={<IconPlayerPlay size={16} />}
            loading={busy === 'all'}
            {...readOnly}
            onClick={() =>
              act('all', 'launch the stages', `/api/runs/${runId}/launch`, { mode: 'all' })
            }
          >
            Launch all pending ({pending})
          </Button>
        </>
      )}
      {isBusy && (
        <Button
          color="red"
          variant="light"
          leftSection={<IconPlayerStop size={16} />}
          loading={busy === 'cancel'}
          {...readOnly}
          onClick={() => act('cancel', 'cancel the run', `/api/runs/${runId}/cancel`)}
        >
          Cancel
        </Button>
      )}
    </Group>
  );
}

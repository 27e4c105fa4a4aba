'use client';

import { useMemo, useState } from 'react';
import { Card, Grid, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { runConfig } from '@studio/shared';
import type { RunDetail } from '@/server/runs';
import { EmptyState } from '../empty-state';
import { LifecycleActions } from '../lifecycle/lifecycle-actions';
import { AddStageForm } from './add-stage-form';
import { CheckpointList } from './checkpoint-list';
import { formatLr } from './format';
import { LossChart } from './loss-chart';
import { RunActions } from './run-actions';
import { RunHeader } from './run-header';
import { RunNotes } from './run-notes';
import { useViewer } from '../viewer-context';
import { runSeries } from './run-series';
import { ScheduleChart } from './schedule-chart';
import { emptyDraft, type StageDraft } from './stage-draft';
import { StageTimeline } from './stage-timeline';
import { useRunLive } from './use-run-live';

/** The run page: settings, live curves, the stages with their epoch tables, and what to do next. */
export function RunView({ initial }: { initial: RunDetail }) {
  const { run, progress, isStreaming, refresh } = useRunLive(initial);
  const [draft, setDraft] = useState<StageDraft>(emptyDraft());
  const [notice, setNotice] = useState<string | null>(null);
  const { canWrite } = useViewer();
  // Older rows may predate a config field; the schema's defaults fill it in.
  const config = useMemo(
    () => runConfig.safeParse(run.config).data ?? runConfig.parse({}),
    [run.config],
  );
  const series = useMemo(() => runSeries(run.stages), [run.stages]);

  const pickLr = (lr: number, source: string) => {
    const isSlice = draft.lrMode === 'slice';
    setDraft({
      ...draft,
      kind: 'fit_one_cycle',
      epochs: draft.epochs === '' ? 1 : draft.epochs,
      [isSlice ? 'hi' : 'lr']: formatLr(lr),
    });
    const message = `${isSlice ? 'slice hi' : 'max_lr'} set to ${formatLr(lr)} from ${source} in “Add a stage”.`;
    setNotice(message);
    notifications.show({ color: 'teal', message });
  };

  return (
    <Stack gap="lg">
      <RunHeader
        run={run}
        config={config}
        actions={
          <Group gap="xs">
            <RunActions runId={run.id} stages={run.stages} onChanged={refresh} />
            <LifecycleActions
              kind="run"
              id={run.id}
              name={run.name}
              isArchived={run.archived}
              createdById={run.createdBy?.id ?? null}
              onChanged={refresh}
            />
          </Group>
        }
      />
      <Card>
        <Group justify="space-between" mb="sm">
          <Title order={2} size="h4">
            Training curves
          </Title>
          {isStreaming && (
            <Text size="xs" c="dimmed">
              live
            </Text>
          )}
        </Group>
        {series.total === 0 ? (
          <Text size="sm" c="dimmed">
            The loss, learning-rate and momentum curves appear here batch by batch once a
            fit_one_cycle stage runs.
          </Text>
        ) : (
          <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="xl">
            <LossChart series={series} />
            <ScheduleChart series={series} />
          </SimpleGrid>
        )}
      </Card>
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, lg: 8 }}>
          <Stack gap="lg">
            <Card>
              <Title order={2} size="h4" mb="md">
                Stages
              </Title>
              {run.stages.length === 0 ? (
                <EmptyState
                  title="No stages yet"
                  description="Add a stage below: the lesson starts with fit_one_cycle for 4 epochs, then save('stage-1'), lr_find, unfreeze and fit_one_cycle with slice(1e-6, 1e-4)."
                />
              ) : (
                <StageTimeline
                  stages={run.stages}
                  progress={progress}
                  metrics={config.metrics}
                  batchSize={config.bs}
                  onChanged={refresh}
                  onPickLr={pickLr}
                />
              )}
            </Card>
            {canWrite && (
              <AddStageForm
                runId={run.id}
                draft={draft}
                onDraftChange={(d) => {
                  setDraft(d);
                  setNotice(null);
                }}
                notice={notice}
                onAdded={async () => {
                  setNotice(null);
                  await refresh();
                }}
              />
            )}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}>
          <Stack gap="lg">
            <RunNotes runId={run.id} notes={run.notes} tags={run.tags} onSaved={refresh} />
            <CheckpointList
              checkpoints={run.checkpoints}
              storageBytes={run.storageBytes}
              exportBytes={run.exportBytes}
            />
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

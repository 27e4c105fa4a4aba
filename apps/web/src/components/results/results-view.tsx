'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import {
  Anchor,
  Badge,
  Breadcrumbs,
  Card,
  Code,
  Group,
  Select,
  Stack,
  Tabs,
  Text,
  Title,
} from '@mantine/core';
import type { RankedItem, StageResults } from '@/server/interpretation';
import { EmptyState } from '../empty-state';
import { formatPercent, formatStageCall } from '../runs/format';
import { useViewer } from '../viewer-context';
import { ConfusionMatrix } from './confusion-matrix';
import { CorrectionsBar } from './corrections-bar';
import { ExportPanel } from './export-panel';
import { ImageSetDrawer, type ImageSet } from './image-set-drawer';
import type { Mark } from './marks';
import { MostConfused } from './most-confused';
import { PerClassTable } from './per-class';
import { PredictPanel } from './predict-panel';
import { TopLosses } from './top-losses';

/** fastai's ClassificationInterpretation and learn.predict/export for one finished fit stage. */
export function ResultsView({ results }: { results: StageResults }) {
  const router = useRouter();
  const { run, stage, interpretation: interp } = results;
  const [set, setSet] = useState<ImageSet | null>(null);
  const { canWrite } = useViewer();
  const [marks, setMarks] = useState<ReadonlyMap<string, Mark>>(new Map());
  const onMark = (fileId: string, mark: Mark | null) =>
    setMarks((current) => {
      const next = new Map(current);
      if (mark) next.set(fileId, mark);
      else next.delete(fileId);
      return next;
    });
  const marking = canWrite ? { marks, onMark } : undefined;
  const classes = interp?.classes ?? [];
  const openItem = (item: RankedItem) =>
    setSet({
      title: `${classes[item.predicted]} predicted, ${classes[item.actual]} actual`,
      items: [item],
      isDetail: true,
    });
  const openPair = (actual: number, predicted: number) =>
    setSet({
      title: `Actual ${classes[actual]}, predicted ${classes[predicted]}`,
      items: (interp?.ranked ?? []).filter((r) => r.actual === actual && r.predicted === predicted),
    });

  return (
    <Stack gap="lg">
      <Breadcrumbs>
        <Anchor component={Link} href="/runs">
          Runs
        </Anchor>
        <Anchor component={Link} href={`/runs/${run.id}`}>
          {run.name}
        </Anchor>
        <Text>Stage {stage.number} results</Text>
      </Breadcrumbs>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2">
            Results of stage {stage.number}
          </Title>
          <Group gap="xs" mt={4}>
            <Code>{formatStageCall(stage.kind, stage.params)}</Code>
            <Text c="dimmed" size="sm">
              {run.datasetName} version {run.versionNumber} · {run.arch}
            </Text>
            {interp && (
              <Badge color="teal" variant="light" tt="none" data-testid="stage-error-rate">
                error rate {formatPercent(interp.errorRate)} on {interp.n} validation images
              </Badge>
            )}
          </Group>
        </div>
        {results.fitStages.length > 1 && (
          <Select
            label="Fit stage"
            value={stage.id}
            w={260}
            allowDeselect={false}
            data={results.fitStages.map((s) => ({
              value: s.id,
              label: `Stage ${s.number}${s.errorRate === null ? '' : ` · ${formatPercent(s.errorRate)}`}`,
            }))}
            onChange={(id) => id && router.push(`/runs/${run.id}/stages/${id}`)}
          />
        )}
      </Group>
      {!interp ? (
        <EmptyState
          title="No results for this stage yet"
          description={
            stage.kind !== 'fit_one_cycle'
              ? 'Only fit_one_cycle stages produce an interpretation and a model. Pick a fit stage of this run.'
              : stage.status === 'done'
                ? 'This stage finished before the studio stored interpretations. Run another fit stage to get them.'
                : 'The top losses, confusion matrix and an exported model appear here when this stage finishes.'
          }
          action={
            <Anchor component={Link} href={`/runs/${run.id}`}>
              Back to the run
            </Anchor>
          }
        />
      ) : (
        <Card>
          {marking && (
            <Stack gap="sm" mb="md">
              <CorrectionsBar
                marks={marks}
                onSaved={() => setMarks(new Map())}
                stageId={stage.id}
                runId={run.id}
                datasetId={run.datasetId}
              />
            </Stack>
          )}
          <Tabs defaultValue="top-losses" keepMounted={false}>
            <Tabs.List mb="md">
              <Tabs.Tab value="top-losses">Top losses</Tabs.Tab>
              <Tabs.Tab value="confusion">Confusion matrix</Tabs.Tab>
              <Tabs.Tab value="most-confused">Most confused</Tabs.Tab>
              <Tabs.Tab value="per-class">Per class</Tabs.Tab>
              <Tabs.Tab value="predict">Predict</Tabs.Tab>
              <Tabs.Tab value="export">Export</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="top-losses">
              <TopLosses
                ranked={interp.ranked}
                classes={classes}
                onOpen={openItem}
                marking={marking}
              />
            </Tabs.Panel>
            <Tabs.Panel value="confusion">
              <ConfusionMatrix classes={classes} matrix={interp.confusion} onCell={openPair} />
            </Tabs.Panel>
            <Tabs.Panel value="most-confused">
              <MostConfused
                pairs={interp.confused}
                onPair={(a, p) => openPair(classes.indexOf(a), classes.indexOf(p))}
              />
            </Tabs.Panel>
            <Tabs.Panel value="per-class">
              <PerClassTable rows={interp.perClass} />
            </Tabs.Panel>
            <Tabs.Panel value="predict">
              {results.export ? (
                <PredictPanel stageId={stage.id} />
              ) : (
                <Text c="dimmed">This stage has no exported model to predict with.</Text>
              )}
            </Tabs.Panel>
            <Tabs.Panel value="export">
              {results.export ? (
                <ExportPanel
                  stageId={stage.id}
                  files={results.export.files}
                  bytes={results.export.bytes}
                />
              ) : (
                <Text c="dimmed">This stage has no exported model.</Text>
              )}
            </Tabs.Panel>
          </Tabs>
        </Card>
      )}
      <ImageSetDrawer set={set} classes={classes} onClose={() => setSet(null)} marking={marking} />
    </Stack>
  );
}

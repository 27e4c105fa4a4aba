'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { IconArrowsDiff, IconPlayerPlay, IconPlus } from '@tabler/icons-react';
import type { RunHistory } from '@/server/history';
import { EmptyState } from '../empty-state';
import { useViewer } from '../viewer-context';
import { HistoryFilterBar } from './history-filters';
import { COMPARE_LIMITS, historyHref, withoutFilters, type HistoryFilters } from './history-query';
import { HistoryTable } from './history-table';

const runCount = (n: number) => `${n} run${n === 1 ? '' : 's'}`;

/**
 * The team's run history: every run with its dataset, architecture, stages, best error rate,
 * duration and status; filters and order live in the URL so a view can be shared; picked runs
 * open side by side on /runs/compare.
 */
export function RunList({ history, filters }: { history: RunHistory; filters: HistoryFilters }) {
  const router = useRouter();
  const { canWrite } = useViewer();
  const [isNavigating, startNavigation] = useTransition();
  const [selected, setSelected] = useState<string[]>([]);
  const show = (next: HistoryFilters) =>
    startNavigation(() => router.push(historyHref(next), { scroll: false }));
  const canCompare = selected.length >= COMPARE_LIMITS.min && selected.length <= COMPARE_LIMITS.max;
  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <div>
          <Title order={1} size="h2">
            Runs
          </Title>
          <Text c="dimmed">
            Every run of the team: stages, live curves and the fastai epoch table. Pick runs to
            compare them side by side.
          </Text>
        </div>
        {canWrite && (
          <Button component={Link} href="/runs/new" leftSection={<IconPlus size={16} />}>
            New run
          </Button>
        )}
      </Group>
      {history.totalRuns === 0 ? (
        history.hasVersions ? (
          <EmptyState
            title="No training runs yet"
            description="Pick a dataset version and train a model on it: choose an architecture, use the lesson's plan (fit_one_cycle, save, lr_find, unfreeze, fine-tune) and watch it learn."
            action={
              <Button component={Link} href="/runs/new" leftSection={<IconPlayerPlay size={16} />}>
                Start a run
              </Button>
            }
          />
        ) : (
          <EmptyState
            title="No training runs yet"
            description="A run trains on a labelled dataset version, and there is none yet. Create a dataset from a folder, a zip or a URL, label it, then start a run here."
            action={
              <Button component={Link} href="/datasets/new" leftSection={<IconPlus size={16} />}>
                Create a dataset
              </Button>
            }
          />
        )
      ) : (
        <>
          <Group justify="space-between" align="flex-end">
            <HistoryFilterBar
              filters={filters}
              datasets={history.datasets}
              archs={history.archs}
              people={history.people}
              tags={history.tags}
              onChange={show}
            />
            <Group gap="xs">
              {selected.length > 0 && (
                <Button variant="subtle" onClick={() => setSelected([])}>
                  Clear selection
                </Button>
              )}
              <Button
                leftSection={<IconArrowsDiff size={16} />}
                disabled={!canCompare}
                onClick={() => router.push(`/runs/compare?ids=${selected.join(',')}`)}
                data-testid="compare-runs"
              >
                Compare ({selected.length})
              </Button>
            </Group>
          </Group>
          <Text size="sm" c="dimmed" aria-live="polite">
            {isNavigating
              ? 'Updating…'
              : `${history.runs.length} of ${runCount(history.totalRuns)} shown. ` +
                (selected.length > COMPARE_LIMITS.max
                  ? `Compare shows at most ${COMPARE_LIMITS.max} runs; unpick ${selected.length - COMPARE_LIMITS.max}.`
                  : `Pick ${COMPARE_LIMITS.min} to ${COMPARE_LIMITS.max} runs to compare them.`)}
          </Text>
          <Card p={0} style={{ opacity: isNavigating ? 0.6 : 1 }}>
            {history.runs.length > 0 ? (
              <HistoryTable
                runs={history.runs}
                sort={filters}
                onSort={(sort) => show({ ...filters, ...sort })}
                selected={selected}
                onSelect={setSelected}
              />
            ) : (
              <Stack align="center" p="xl" gap="sm">
                <Text fw={600}>No run matches these filters.</Text>
                <Text c="dimmed" size="sm">
                  {history.totalRuns === 1
                    ? 'The only run is'
                    : `All ${history.totalRuns} runs are`}{' '}
                  hidden by the dataset, architecture or status filter.
                </Text>
                <Button variant="light" onClick={() => show(withoutFilters(filters))}>
                  Clear filters
                </Button>
              </Stack>
            )}
          </Card>
        </>
      )}
    </Stack>
  );
}

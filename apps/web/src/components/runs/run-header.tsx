'use client';

import Link from 'next/link';
import type { ReactNode } from 'react';
import { Alert, Anchor, Badge, Group, Stack, Text, Title } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { runSeconds, type RunConfig } from '@studio/shared';
import type { RunDetail } from '@/server/runs';
import { StatusBadge } from '../status-badge';
import { LocalTime } from '../local-time';
import { useIsHydrated } from '../use-is-hydrated';
import { formatDuration, formatPercent } from './format';

function augmentSummary(config: RunConfig): string {
  const a = config.augment;
  if (!a.enabled) return 'no augmentation';
  return [
    a.doFlip ? 'flip' : 'no flip',
    `rotate ${a.maxRotate}°`,
    `zoom ${a.maxZoom}`,
    `lighting ${a.maxLighting}`,
    `warp ${a.maxWarp}`,
  ].join(', ');
}

/** Name, status, what the run trains on and with which settings; the actions sit on the right. */
export function RunHeader({
  run,
  config,
  actions,
}: {
  run: RunDetail;
  config: RunConfig;
  actions: ReactNode;
}) {
  const isHydrated = useIsHydrated();
  // Counted until now while a stage runs: only the browser's clock says when now is.
  const duration = isHydrated ? runSeconds(run.stages) : null;
  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-start">
        <div>
          <Group gap="sm">
            <Title order={1} size="h2">
              {run.name}
            </Title>
            <StatusBadge status={run.status} testId="run-status" />
            {run.archived && (
              <Badge color="gray" variant="outline">
                archived
              </Badge>
            )}
          </Group>
          <Text c="dimmed" data-testid="run-summary">
            <Anchor component={Link} href={`/datasets/${run.dataset.id}`}>
              {run.dataset.name}
            </Anchor>{' '}
            version {run.version.number} ({run.version.classes.length} classes) · {run.arch} ·
            created <LocalTime iso={run.createdAt} />
            {run.createdBy ? ` by ${run.createdBy.name}` : ''}
            {duration !== null ? ` · trained for ${formatDuration(duration)}` : ''}
          </Text>
        </div>
        {actions}
      </Group>
      <Group gap={6}>
        <Badge variant="light" color="gray" tt="none">
          size {config.size} ({config.resizeMode})
        </Badge>
        <Badge variant="light" color="gray" tt="none">
          batch size {config.bs}
        </Badge>
        <Badge variant="light" color="gray" tt="none">
          {augmentSummary(config)}
        </Badge>
        <Badge variant="light" color="gray" tt="none">
          metrics {config.metrics.join(', ')}
        </Badge>
        <Badge variant="light" color="gray" tt="none">
          seed {config.seed}
        </Badge>
        {run.finalErrorRate != null && (
          <Badge variant="light" color="teal" tt="none">
            error rate {formatPercent(run.finalErrorRate)}
          </Badge>
        )}
        {run.bestErrorRate !== null && (
          <Badge variant="light" color="gray" tt="none">
            best epoch {formatPercent(run.bestErrorRate)}
          </Badge>
        )}
      </Group>
      {run.error && (
        <Alert color="red" icon={<IconAlertTriangle />} title="The run stopped" role="alert">
          {run.error}
        </Alert>
      )}
    </Stack>
  );
}

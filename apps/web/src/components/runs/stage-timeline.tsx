'use client';

import { Timeline } from '@mantine/core';
import {
  IconCheck,
  IconCircleDashed,
  IconClock,
  IconLoader2,
  IconPlayerStop,
  IconX,
} from '@tabler/icons-react';
import type { RunStage } from './run-series';
import { StageItem } from './stage-item';
import type { BatchEvent } from './use-run-live';

const BULLETS: Record<string, { icon: typeof IconCheck; color: string }> = {
  pending: { icon: IconCircleDashed, color: 'gray' },
  queued: { icon: IconClock, color: 'gray' },
  running: { icon: IconLoader2, color: 'blue' },
  done: { icon: IconCheck, color: 'teal' },
  failed: { icon: IconX, color: 'red' },
  cancelled: { icon: IconPlayerStop, color: 'orange' },
};

/** The run's stages top to bottom, the line filled up to the last one that finished. */
export function StageTimeline({
  stages,
  progress,
  ...itemProps
}: {
  stages: RunStage[];
  progress: Record<string, BatchEvent>;
  metrics: string[];
  batchSize: number;
  onChanged: () => Promise<void>;
  onPickLr: (lr: number, source: string) => void;
}) {
  const lastDone = stages.findLastIndex((s) => s.status === 'done');
  return (
    <Timeline active={lastDone} bulletSize={26} lineWidth={2}>
      {stages.map((stage, position) => {
        const bullet = BULLETS[stage.status] ?? BULLETS.pending!;
        return (
          <Timeline.Item
            key={stage.id}
            bullet={<bullet.icon size={14} aria-hidden />}
            color={bullet.color}
            pb="lg"
          >
            <StageItem
              stage={stage}
              number={position + 1}
              progress={progress[stage.id]}
              {...itemProps}
            />
          </Timeline.Item>
        );
      })}
    </Timeline>
  );
}

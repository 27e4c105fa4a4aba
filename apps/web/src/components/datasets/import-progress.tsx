'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { Card, Group, Loader, Progress, Text } from '@mantine/core';

interface Task {
  id: string;
  status: string;
  done: number;
  total: number;
  message: string | null;
  error: string | null;
}

/** Live state of an archive or URL import, polled from Postgres (the truth survives reloads). */
export function ImportProgress({ task: initial }: { task: Task }) {
  const router = useRouter();
  const [task, setTask] = useState(initial);

  useEffect(() => {
    let isActive = true;
    const timer = setInterval(async () => {
      const response = await fetch(`/api/imports/${initial.id}`, { cache: 'no-store' }).catch(
        () => null,
      );
      if (!response?.ok || !isActive) return;
      const next = (await response.json()) as Task;
      setTask(next);
      if (next.status === 'done' || next.status === 'failed') {
        clearInterval(timer);
        router.refresh();
      }
    }, 1000);
    return () => {
      isActive = false;
      clearInterval(timer);
    };
  }, [initial.id, router]);

  const hasTotal = task.total > 0;
  return (
    <Card aria-live="polite" data-testid="import-progress">
      <Group justify="space-between" mb="xs">
        <Group gap="xs">
          <Loader size="xs" />
          <Text fw={600}>Importing</Text>
        </Group>
        <Text size="sm" c="dimmed">
          {task.message ?? 'Waiting for a worker'}
        </Text>
      </Group>
      <Progress
        value={hasTotal ? (100 * task.done) / task.total : 100}
        striped
        animated
        aria-label="Import progress"
      />
    </Card>
  );
}

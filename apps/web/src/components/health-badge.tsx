'use client';

import { useEffect, useState } from 'react';
import { Badge, Tooltip } from '@mantine/core';

interface HealthSummary {
  ok: boolean;
  down: string[];
  workers: { count: number };
}

/** Live state of the database, the queue and the workers, polled every 10 s. */
export function HealthBadge() {
  const [health, setHealth] = useState<HealthSummary | null>(null);
  const [isUnreachable, setUnreachable] = useState(false);

  useEffect(() => {
    let isActive = true;
    const poll = async () => {
      try {
        const response = await fetch('/api/health', { cache: 'no-store' });
        const body = (await response.json()) as HealthSummary;
        if (isActive) {
          setHealth(body);
          setUnreachable(false);
        }
      } catch {
        if (isActive) setUnreachable(true);
      }
    };
    void poll();
    const timer = setInterval(poll, 10_000);
    return () => {
      isActive = false;
      clearInterval(timer);
    };
  }, []);

  if (isUnreachable)
    return (
      <Badge color="red" variant="light">
        Server unreachable
      </Badge>
    );
  if (!health)
    return (
      <Badge color="gray" variant="light">
        Checking services…
      </Badge>
    );
  const label = health.ok
    ? `All systems up · ${health.workers.count} worker${health.workers.count === 1 ? '' : 's'}`
    : `Down: ${health.down.join(', ')}`;
  return (
    <Tooltip
      label={
        health.ok
          ? 'Database, queue and workers are answering'
          : 'Start the missing service (npm run studio starts everything)'
      }
    >
      <Badge color={health.ok ? 'teal' : 'red'} variant="light" role="status" aria-live="polite">
        {label}
      </Badge>
    </Tooltip>
  );
}

'use client';

import { Badge } from '@mantine/core';

const COLORS: Record<string, string> = {
  ready: 'teal',
  done: 'teal',
  importing: 'blue',
  running: 'blue',
  queued: 'gray',
  failed: 'red',
  cancelled: 'orange',
};

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <Badge color={COLORS[status] ?? 'gray'} variant="light" miw="max-content" data-testid={testId}>
      {status}
    </Badge>
  );
}

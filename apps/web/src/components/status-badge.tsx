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

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={COLORS[status] ?? 'gray'} variant="light" miw="max-content">
      {status}
    </Badge>
  );
}

'use client';

import Link from 'next/link';
import { Alert, Button, Stack, Title } from '@mantine/core';
import { IconAlertTriangle, IconArrowLeft } from '@tabler/icons-react';

/** Why a compare link cannot be shown, and the way back to the history to pick runs again. */
export function CompareProblem({ title, message }: { title: string; message: string }) {
  return (
    <Stack gap="lg" maw={720}>
      <Title order={1} size="h2">
        Compare runs
      </Title>
      <Alert
        color="orange"
        title={title}
        icon={<IconAlertTriangle size={18} aria-hidden />}
        data-testid="compare-problem"
      >
        {message}
      </Alert>
      <div>
        <Button
          component={Link}
          href="/runs"
          variant="light"
          leftSection={<IconArrowLeft size={16} />}
        >
          Back to run history
        </Button>
      </div>
    </Stack>
  );
}

'use client';

import { Alert, Button, Group, Text } from '@mantine/core';
import { IconAlertTriangle, IconRefresh } from '@tabler/icons-react';

/** Why a preview is missing, with a way to ask for it again. */
export function PreviewError({
  title,
  error,
  isLoading,
  onRetry,
}: {
  title: string;
  error: string;
  isLoading: boolean;
  onRetry: () => void;
}) {
  return (
    <Alert color="red" icon={<IconAlertTriangle />} role="alert" title={title}>
      <Group justify="space-between" gap="sm" wrap="nowrap">
        <Text size="sm">{error}</Text>
        <Button
          variant="default"
          size="xs"
          leftSection={<IconRefresh size={14} />}
          onClick={onRetry}
          loading={isLoading}
        >
          Try again
        </Button>
      </Group>
    </Alert>
  );
}

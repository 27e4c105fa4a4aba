'use client';

import { Alert, Button, Code, CopyButton, Group, Stack, Text } from '@mantine/core';

/** A secret the studio shows once (an invitation link, an API token), with a copy button. */
export function OneTimeSecret({
  title,
  note,
  value,
  testId,
}: {
  title: string;
  note: string;
  value: string;
  testId: string;
}) {
  return (
    <Alert color="green" mt="sm" title={title}>
      <Stack gap={6}>
        <Text size="sm">{note}</Text>
        <Group gap="xs">
          <Code data-testid={testId}>{value}</Code>
          <CopyButton value={value}>
            {({ copied, copy }) => (
              <Button size="xs" variant="light" onClick={copy}>
                {copied ? 'Copied' : 'Copy'}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Alert>
  );
}

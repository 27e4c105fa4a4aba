import type { ReactNode } from 'react';
import { Card, Stack, Text, Title } from '@mantine/core';

/** The frame of the sign-in, setup and invitation pages. */
export function AuthCard({
  title,
  description,
  children,
}: {
  title: string;
  description: ReactNode;
  children: ReactNode;
}) {
  return (
    <Card component="section" aria-label={title} withBorder maw={440} mx="auto" mt="xl" p="xl">
      <Stack gap="md">
        <div>
          <Title order={1} size="h3">
            {title}
          </Title>
          <Text c="dimmed" size="sm" mt={4}>
            {description}
          </Text>
        </div>
        {children}
      </Stack>
    </Card>
  );
}

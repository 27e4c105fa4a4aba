'use client';

import type { ComponentType, ReactNode } from 'react';
import { Group, Text } from '@mantine/core';
import { Dropzone, type DropzoneProps } from '@mantine/dropzone';

/**
 * The studio's drop zone: Mantine's Dropzone with one layout everywhere (an icon, what to drop,
 * and a line on what is accepted). Every Dropzone prop passes through.
 */
export function DropArea({
  icon: Icon,
  title,
  description,
  minHeight = 140,
  ...dropzone
}: Omit<DropzoneProps, 'children' | 'title'> & {
  icon: ComponentType<{ size?: number; stroke?: number; 'aria-hidden'?: boolean }>;
  title: string;
  description: ReactNode;
  minHeight?: number;
}) {
  return (
    <Dropzone {...dropzone}>
      <Group justify="center" gap="lg" mih={minHeight} style={{ pointerEvents: 'none' }}>
        <Icon size={40} stroke={1.5} aria-hidden />
        <div>
          <Text size="lg">{title}</Text>
          <Text size="sm" c="dimmed">
            {description}
          </Text>
        </div>
      </Group>
    </Dropzone>
  );
}

'use client';

import { useState, type ReactNode } from 'react';
import { Button, Group, Popover, Text, type ButtonProps } from '@mantine/core';

/**
 * A button whose action runs only after a second, explicit click: the first opens a small
 * dialog saying what will happen, with the confirming button focused and Escape to keep things.
 */
export function ConfirmButton({
  question,
  confirmLabel,
  onConfirm,
  children,
  ...button
}: ButtonProps & {
  /** What will happen, in a sentence: "Stop the run at the next batch?". */
  question: ReactNode;
  confirmLabel: string;
  onConfirm: () => void | Promise<void>;
  children: ReactNode;
  'aria-label'?: string;
}) {
  const [isOpen, setOpen] = useState(false);
  return (
    <Popover
      opened={isOpen}
      onChange={setOpen}
      trapFocus
      withArrow
      shadow="md"
      position="bottom-end"
    >
      <Popover.Target>
        <Button {...button} onClick={() => setOpen((o) => !o)}>
          {children}
        </Button>
      </Popover.Target>
      <Popover.Dropdown role="alertdialog" aria-label={confirmLabel} maw={320}>
        <Text size="sm" mb="sm">
          {question}
        </Text>
        <Group justify="flex-end" gap="xs">
          <Button size="xs" variant="default" onClick={() => setOpen(false)}>
            Keep
          </Button>
          <Button
            size="xs"
            color={button.color ?? 'red'}
            data-autofocus
            onClick={() => {
              setOpen(false);
              void onConfirm();
            }}
          >
            {confirmLabel}
          </Button>
        </Group>
      </Popover.Dropdown>
    </Popover>
  );
}

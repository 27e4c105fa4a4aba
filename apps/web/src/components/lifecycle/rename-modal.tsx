'use client';

import { useState } from 'react';
import { Alert, Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { postJson } from '../auth/post-json';
import type { LifecycleKind } from './delete-modal';

/** A new name for a dataset or run; Enter saves, Escape cancels. */
export function RenameModal({
  kind,
  id,
  name,
  opened,
  onClose,
  onRenamed,
}: {
  kind: LifecycleKind;
  id: string;
  name: string;
  opened: boolean;
  onClose: () => void;
  onRenamed: () => void;
}) {
  const [value, setValue] = useState(name);
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    const result = await postJson(`/api/${kind}s/${id}`, { name: value }, 'PATCH');
    setBusy(false);
    if (!result.ok) return setError(result.error);
    onRenamed();
  };
  return (
    <Modal opened={opened} onClose={onClose} title={`Rename the ${kind}`} centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <Stack>
          <TextInput
            label="Name"
            value={value}
            onChange={(e) => setValue(e.currentTarget.value)}
            maxLength={200}
            required
            data-autofocus
          />
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={isBusy} disabled={!value.trim()}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

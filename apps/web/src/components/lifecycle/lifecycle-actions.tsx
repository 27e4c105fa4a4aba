'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Button, Group } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArchive, IconArchiveOff, IconPencil, IconTrash } from '@tabler/icons-react';
import { canDelete } from '@/lib/roles';
import { postJson } from '../auth/post-json';
import { formatBytes } from '../runs/format';
import { useViewer } from '../viewer-context';
import { DeleteModal, type LifecycleKind } from './delete-modal';
import { RenameModal } from './rename-modal';

/**
 * Rename, archive or restore, and delete a dataset or run. Only the actions the person's role
 * allows are shown: members delete what they created, owners and admins anything.
 */
export function LifecycleActions({
  kind,
  id,
  name,
  isArchived,
  createdById,
  onChanged,
}: {
  kind: LifecycleKind;
  id: string;
  name: string;
  isArchived: boolean;
  createdById: string | null;
  onChanged?: () => void | Promise<void>;
}) {
  const router = useRouter();
  const { viewer, role, canWrite } = useViewer();
  const [open, setOpen] = useState<'rename' | 'delete' | null>(null);
  const [isBusy, setBusy] = useState(false);
  if (!canWrite) return null;
  const mayDelete = canDelete(role, viewer?.user.id ?? null, createdById);
  const changed = async () => {
    setOpen(null);
    await onChanged?.();
    router.refresh();
  };
  const setArchived = async (archived: boolean) => {
    setBusy(true);
    const result = await postJson(`/api/${kind}s/${id}`, { archived }, 'PATCH');
    setBusy(false);
    if (!result.ok)
      return notifications.show({
        color: 'red',
        title: `Could not change the ${kind}`,
        message: result.error,
      });
    notifications.show({
      color: 'teal',
      message: archived
        ? `“${name}” is archived: hidden from lists until you restore it.`
        : `“${name}” is restored.`,
    });
    await changed();
  };
  return (
    <Group gap="xs">
      <Button
        variant="default"
        leftSection={<IconPencil size={16} />}
        onClick={() => setOpen('rename')}
      >
        Rename
      </Button>
      <Button
        variant="default"
        loading={isBusy}
        leftSection={isArchived ? <IconArchiveOff size={16} /> : <IconArchive size={16} />}
        onClick={() => void setArchived(!isArchived)}
      >
        {isArchived ? 'Restore' : 'Archive'}
      </Button>
      {mayDelete && (
        <Button
          variant="light"
          color="red"
          leftSection={<IconTrash size={16} />}
          onClick={() => setOpen('delete')}
        >
          Delete
        </Button>
      )}
      <RenameModal
        key={name}
        kind={kind}
        id={id}
        name={name}
        opened={open === 'rename'}
        onClose={() => setOpen(null)}
        onRenamed={() => void changed()}
      />
      <DeleteModal
        kind={kind}
        id={id}
        opened={open === 'delete'}
        onClose={() => setOpen(null)}
        onDeleted={(freed) => {
          notifications.show({
            color: 'teal',
            message: `“${name}” was deleted; ${formatBytes(freed)} freed.`,
          });
          router.push(`/${kind}s`);
        }}
      />
    </Group>
  );
}

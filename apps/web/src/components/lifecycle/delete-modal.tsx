'use client';

import { useEffect, useState } from 'react';
import { Alert, Button, Group, List, Loader, Modal, Stack, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import type { Footprint } from '@studio/db';
import { postJson } from '../auth/post-json';
import { formatBytes } from '../runs/format';

export type LifecycleKind = 'dataset' | 'run';

interface Preview {
  name: string;
  footprint: Footprint;
  blockedBy: string | null;
}

const count = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** What goes with the row, line by line; lines with nothing in them are left out. */
function footprintLines(kind: LifecycleKind, f: Footprint): string[] {
  return [
    kind === 'dataset' && count(f.images, 'image') + ' and their thumbnails',
    kind === 'dataset' && count(f.versions, 'version'),
    kind === 'dataset' ? count(f.runs, 'run') : 'its stages, epoch tables, curves and results',
    count(f.checkpoints, 'checkpoint'),
    count(f.exports, 'exported model'),
  ].filter((line): line is string => typeof line === 'string');
}

/**
 * The confirmation of a delete: it names everything that goes with the row and the storage
 * freed, as the server counts them, and says when the delete has to wait (a run still training).
 */
export function DeleteModal({
  kind,
  id,
  opened,
  onClose,
  onDeleted,
}: {
  kind: LifecycleKind;
  id: string;
  opened: boolean;
  onClose: () => void;
  onDeleted: (freedBytes: number) => void;
}) {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);

  useEffect(() => {
    if (!opened) return;
    setPreview(null);
    setError(null);
    let isCurrent = true;
    void fetch(`/api/${kind}s/${id}/deletion`, { cache: 'no-store' })
      .then(async (response) => {
        const body = (await response.json()) as Preview & { error?: string };
        if (!isCurrent) return;
        if (response.ok) setPreview(body);
        else setError(body.error ?? `The studio answered ${response.status}.`);
      })
      .catch(() => isCurrent && setError('The studio did not answer. Check your connection.'));
    return () => {
      isCurrent = false;
    };
  }, [opened, kind, id]);

  const confirm = async () => {
    setBusy(true);
    const result = await postJson(`/api/${kind}s/${id}`, {}, 'DELETE');
    setBusy(false);
    if (!result.ok) return setError(result.error);
    onDeleted((result.data.deleted as Footprint).bytesFreed);
  };

  return (
    <Modal opened={opened} onClose={onClose} title={`Delete this ${kind}?`} centered>
      <Stack>
        {!preview && !error && <Loader size="sm" aria-label="Counting what goes with it" />}
        {preview && (
          <div data-testid="deletion-footprint">
            <Text>
              Deleting <b>{preview.name}</b> also removes, for everyone in the team:
            </Text>
            <List size="sm" mt="xs">
              {footprintLines(kind, preview.footprint).map((line) => (
                <List.Item key={line}>{line}</List.Item>
              ))}
            </List>
            <Text size="sm" mt="xs">
              Storage freed: <b>{formatBytes(preview.footprint.bytesFreed)}</b> in{' '}
              {count(preview.footprint.blobs, 'stored file')}. This cannot be undone; archive it
              instead to hide it and keep everything.
            </Text>
          </div>
        )}
        {preview?.blockedBy && (
          <Alert color="orange" icon={<IconAlertTriangle />} role="alert">
            {preview.blockedBy}
          </Alert>
        )}
        {error && (
          <Alert color="red" icon={<IconAlertTriangle />} role="alert">
            {error}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} data-autofocus>
            Keep it
          </Button>
          <Button
            color="red"
            onClick={() => void confirm()}
            loading={isBusy}
            disabled={!preview || preview.blockedBy !== null}
          >
            Delete {kind}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

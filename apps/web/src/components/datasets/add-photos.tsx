'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Alert, Button, Modal, Progress, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconPhotoPlus, IconUpload } from '@tabler/icons-react';
import { relativePathOf, sendWithProgress, uploadFiles } from '@/lib/upload';
import { DropArea } from '../drop-area';

const isArchive = (name: string) => /\.(zip|tar|tgz|tar\.gz)$/i.test(name);

/**
 * More photos for a dataset: dropped files or one archive go into the same dataset; the next
 * version saved includes them, earlier versions keep exactly the images they had.
 */
export function AddPhotos({ datasetId }: { datasetId: string }) {
  const router = useRouter();
  const [opened, setOpened] = useState(false);
  const [sent, setSent] = useState<{ sent: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const add = async (files: File[]) => {
    if (files.length === 0) return;
    setError(null);
    setSent({ sent: 0, total: files.reduce((n, f) => n + f.size, 0) });
    try {
      const archive = files.length === 1 && isArchive(files[0]!.name) ? files[0]! : null;
      if (archive) {
        await sendWithProgress(
          `/api/datasets/${datasetId}/archive?filename=${encodeURIComponent(archive.name)}`,
          archive,
          (bytes) => setSent({ sent: bytes, total: archive.size }),
          { 'content-type': 'application/octet-stream' },
        );
        notifications.show({ color: 'teal', message: `${archive.name} is being imported.` });
      } else {
        const result = await uploadFiles(
          datasetId,
          files.map((file) => ({ file, path: relativePathOf(file) })),
          (p) => setSent({ sent: p.sentBytes, total: p.totalBytes }),
        );
        await fetch(`/api/datasets/${datasetId}/complete`, { method: 'POST' });
        notifications.show({
          color: result.imported > 0 ? 'teal' : 'orange',
          message: `${result.imported.toLocaleString('en')} images added, ${result.skipped.length.toLocaleString('en')} skipped. Save a new version to train on them.`,
        });
      }
      setOpened(false);
      router.refresh();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSent(null);
    }
  };

  return (
    <>
      <Button
        variant="default"
        leftSection={<IconPhotoPlus size={16} />}
        onClick={() => setOpened(true)}
      >
        Add photos
      </Button>
      <Modal opened={opened} onClose={() => setOpened(false)} title="Add photos" centered size="lg">
        <Stack>
          <DropArea
            onDrop={(files) => void add(files)}
            loading={sent !== null}
            multiple
            aria-label="Drop more photos or an archive here"
            icon={IconUpload}
            title="Drag more photos, a folder or an archive here"
            description="Paths are kept as in the first import. Versions already saved keep their images."
            minHeight={120}
            data-autofocus
          />
          {sent && (
            <Progress
              value={(100 * sent.sent) / Math.max(1, sent.total)}
              aria-label="Upload progress"
              striped
              animated
            />
          )}
          {error && (
            <Alert color="red" icon={<IconAlertTriangle />} role="alert">
              {error}
            </Alert>
          )}
          <Text size="xs" c="dimmed">
            A path the dataset already holds keeps its first image.
          </Text>
        </Stack>
      </Modal>
    </>
  );
}

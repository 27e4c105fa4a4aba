'use client';

import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';
import {
  Alert,
  Button,
  Card,
  Group,
  List,
  Progress,
  ScrollArea,
  Stack,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { DropArea } from '../drop-area';
import {
  IconAlertTriangle,
  IconArchive,
  IconFolderUp,
  IconLink,
  IconUpload,
} from '@tabler/icons-react';
import { relativePathOf, sendWithProgress, uploadFiles, type UploadProgress } from '@/lib/upload';

const ARCHIVE_TYPES = ['.zip', '.tar', '.tgz', '.tar.gz'];

async function postJson<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const parsed = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new Error(parsed.error ?? `Request failed with HTTP ${response.status}.`);
  return parsed;
}

function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function NewDataset() {
  const router = useRouter();
  const form = useForm({ initialValues: { name: '', url: '', sha256: '' } });
  const { name, url, sha256 } = form.values;
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [archiveSent, setArchiveSent] = useState<{ sent: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);
  const folderInput = useRef<HTMLInputElement>(null);

  const datasetName = (fallback: string) => name.trim() || fallback;

  async function importFiles(files: File[]) {
    if (files.length === 0) {
      setError(
        'The drop held no files (an empty folder, or nothing at all). Drop a folder with photos in it, or the photos themselves.',
      );
      return;
    }
    setError(null);
    setBusy(true);
    try {
      const withPaths = files.map((file) => ({ file, path: relativePathOf(file) }));
      const top = withPaths[0]!.path.includes('/')
        ? withPaths[0]!.path.split('/')[0]!
        : 'Uploaded photos';
      const dataset = await postJson<{ id: string }>('/api/datasets', {
        name: datasetName(top),
        sourceKind: 'folder',
      });
      await uploadFiles(dataset.id, withPaths, setProgress);
      // With no image imported the server removes the dataset and says why (422).
      await postJson(`/api/datasets/${dataset.id}/complete`, {});
      router.push(`/datasets/${dataset.id}`);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  }

  async function importArchive(file: File | undefined) {
    // Refused here, before a dataset is made that could only fail.
    if (!file) {
      setError('Nothing was dropped. Drop one .zip, .tar or .tar.gz archive.');
      return;
    }
    if (file.size === 0) {
      setError(
        `“${file.name}” is empty (0 bytes): not an archive. Check that it finished downloading, then drop it again.`,
      );
      return;
    }
    setError(null);
    setBusy(true);
    try {
      const base = file.name.replace(/(\.tar)?\.(zip|tar|tgz|gz)$/i, '');
      const dataset = await postJson<{ id: string }>('/api/datasets', {
        name: datasetName(base),
        sourceKind: 'archive',
      });
      setArchiveSent({ sent: 0, total: file.size });
      await sendWithProgress(
        `/api/datasets/${dataset.id}/archive?filename=${encodeURIComponent(file.name)}`,
        file,
        (sent) => setArchiveSent({ sent, total: file.size }),
        { 'content-type': 'application/octet-stream' },
      );
      router.push(`/datasets/${dataset.id}`);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  }

  async function importUrl() {
    setError(null);
    setBusy(true);
    try {
      const last = url.split('/').pop() ?? 'Downloaded dataset';
      const dataset = await postJson<{ id: string }>('/api/datasets', {
        name: datasetName(last.replace(/(\.tar)?\.(zip|tar|tgz|gz)$/i, '')),
        sourceKind: 'url',
        url,
        sha256: sha256.trim() || undefined,
      });
      router.push(`/datasets/${dataset.id}`);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  }

  const percent = progress ? (100 * progress.sentBytes) / Math.max(1, progress.totalBytes) : 0;
  return (
    <Stack gap="lg" maw={900}>
      <div>
        <Title order={1} size="h2">
          New dataset
        </Title>
        <Text c="dimmed">
          Like fastai&apos;s <code>untar_data</code>: bring photos in, then choose how they are
          labelled.
        </Text>
      </div>
      <TextInput
        label="Name"
        description="Defaults to the folder or archive name."
        placeholder="e.g. Pets"
        {...form.getInputProps('name')}
        disabled={isBusy}
        maw={420}
      />
      <Tabs defaultValue="folder" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="folder" leftSection={<IconFolderUp size={16} />}>
            Folder or photos
          </Tabs.Tab>
          <Tabs.Tab value="archive" leftSection={<IconArchive size={16} />}>
            Archive
          </Tabs.Tab>
          <Tabs.Tab value="url" leftSection={<IconLink size={16} />}>
            From a URL
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="folder" pt="md">
          <Stack>
            <DropArea
              onDrop={importFiles}
              loading={isBusy}
              multiple
              aria-label="Drop a folder or photos here"
              icon={IconUpload}
              title="Drag a folder or photos here"
              description="Sub-folders are kept (they can become labels and the train/valid split). JPEG, PNG, WebP, GIF, AVIF, TIFF."
              minHeight={160}
            />
            <Group>
              <Button
                variant="default"
                leftSection={<IconFolderUp size={16} />}
                onClick={() => folderInput.current?.click()}
                disabled={isBusy}
              >
                Choose a folder…
              </Button>
              <input
                ref={folderInput}
                type="file"
                data-testid="folder-input"
                aria-label="Choose a folder to upload"
                hidden
                multiple
                {...{ webkitdirectory: '', directory: '' }}
                onChange={(e) => void importFiles(Array.from(e.currentTarget.files ?? []))}
              />
            </Group>
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="archive" pt="md">
          <DropArea
            onDrop={(files) => void importArchive(files[0])}
            loading={isBusy}
            multiple={false}
            accept={{
              'application/zip': ['.zip'],
              'application/x-tar': ['.tar'],
              'application/gzip': ['.tgz', '.gz'],
            }}
            aria-label="Drop an archive here"
            icon={IconArchive}
            title="Drag a zip or tar(.gz) archive here"
            description={`${ARCHIVE_TYPES.join(', ')}. Unsafe entries (paths leaving the archive, links, nested archives) are refused.`}
            minHeight={160}
          />
        </Tabs.Panel>
        <Tabs.Panel value="url" pt="md">
          <Card>
            <Stack>
              <TextInput
                label="Archive URL"
                description="Downloaded once by the worker and cached by URL and checksum."
                placeholder="https://example.org/photos.tgz"
                {...form.getInputProps('url')}
                disabled={isBusy}
              />
              <TextInput
                label="SHA-256 (optional)"
                description="When given, the download must match it."
                {...form.getInputProps('sha256')}
                disabled={isBusy}
              />
              <Group>
                <Button
                  onClick={() => void importUrl()}
                  loading={isBusy}
                  disabled={!/^https?:\/\//.test(url)}
                >
                  Import from URL
                </Button>
              </Group>
            </Stack>
          </Card>
        </Tabs.Panel>
      </Tabs>
      {progress && (
        <Card aria-live="polite">
          <Stack gap="xs">
            <Group justify="space-between">
              <Text fw={600}>Uploading and scanning</Text>
              <Text size="sm" c="dimmed">
                {progress.processedFiles.toLocaleString('en')} /{' '}
                {progress.totalFiles.toLocaleString('en')} files · {formatBytes(progress.sentBytes)}{' '}
                of {formatBytes(progress.totalBytes)}
              </Text>
            </Group>
            <Progress value={percent} aria-label="Upload progress" striped animated={isBusy} />
            <Text size="sm">
              {progress.imported.toLocaleString('en')} images imported, {progress.skipped.length}{' '}
              skipped
              {progress.textFiles.length > 0 ? `, ${progress.textFiles.length} text files` : ''}
            </Text>
          </Stack>
        </Card>
      )}
      {archiveSent && (
        <Card aria-live="polite">
          <Text fw={600} mb="xs">
            Uploading archive · {formatBytes(archiveSent.sent)} of {formatBytes(archiveSent.total)}
          </Text>
          <Progress
            value={(100 * archiveSent.sent) / Math.max(1, archiveSent.total)}
            aria-label="Archive upload progress"
          />
        </Card>
      )}
      {error && (
        <Alert color="red" icon={<IconAlertTriangle />} title="Import failed" role="alert">
          {error}
        </Alert>
      )}
      {progress && progress.skipped.length + progress.textFiles.length > 0 && (
        <Card>
          <Text fw={600} mb="xs">
            Files that are not images
          </Text>
          <ScrollArea.Autosize mah={240}>
            <List size="sm" aria-label="Files that are not images">
              {progress.skipped.map((s) => (
                <List.Item key={s.path}>
                  <code>{s.path}</code>: {s.reason}
                </List.Item>
              ))}
              {progress.textFiles.map((path) => (
                <List.Item key={path}>
                  <code>{path}</code>: not an image; a text file, kept for labelling
                </List.Item>
              ))}
            </List>
          </ScrollArea.Autosize>
        </Card>
      )}
    </Stack>
  );
}

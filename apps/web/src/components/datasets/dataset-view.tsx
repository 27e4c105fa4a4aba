'use client';

import { Alert, Badge, Group, Stack, Tabs, Text, Title } from '@mantine/core';
import { useViewer } from '@/components/viewer-context';
import {
  IconAlertTriangle,
  IconFolder,
  IconListCheck,
  IconTags,
  IconVersions,
} from '@tabler/icons-react';
import { canDelete } from '@/lib/roles';
import type { DatasetDetail } from '@/server/datasets';
import { LifecycleActions } from '../lifecycle/lifecycle-actions';
import { StatusBadge } from '../status-badge';
import { AddPhotos } from './add-photos';
import { FolderBrowser } from './folder-browser';
import { ImportProgress } from './import-progress';
import { Labeller } from './labeller';
import { SkippedList } from './skipped-list';
import { VersionList } from './version-list';

export function DatasetView({ detail }: { detail: DatasetDetail }) {
  const activeImport = detail.imports.find((t) => t.status === 'queued' || t.status === 'running');
  const hasFiles = detail.fileCount > 0;
  const { canWrite, role, viewer } = useViewer();
  const mayDelete = canDelete(role, viewer?.user.id ?? null, detail.createdById);
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-start">
        <div>
          <Group gap="sm">
            <Title order={1} size="h2">
              {detail.name}
            </Title>
            <StatusBadge status={detail.status} />
            {detail.archived && (
              <Badge color="gray" variant="outline">
                archived
              </Badge>
            )}
          </Group>
          <Text c="dimmed" data-testid="dataset-summary">
            {detail.fileCount.toLocaleString('en')} images ·{' '}
            {detail.skippedCount.toLocaleString('en')} skipped · {detail.versions.length} version
            {detail.versions.length === 1 ? '' : 's'}
            {detail.sourceUrl ? ` · from ${detail.sourceUrl}` : ''}
          </Text>
        </div>
        <Group gap="xs">
          {canWrite && !activeImport && <AddPhotos datasetId={detail.id} />}
          <LifecycleActions
            kind="dataset"
            id={detail.id}
            name={detail.name}
            isArchived={detail.archived}
            createdById={detail.createdById}
          />
        </Group>
      </Group>
      {activeImport && <ImportProgress task={activeImport} />}
      {detail.error && (
        <Alert color="red" icon={<IconAlertTriangle />} title="Import problem" role="alert">
          {detail.error}
        </Alert>
      )}
      <Tabs
        defaultValue={hasFiles ? (detail.versions.length > 0 ? 'versions' : 'label') : 'files'}
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="files" leftSection={<IconFolder size={16} />}>
            Files
          </Tabs.Tab>
          <Tabs.Tab
            value="skipped"
            leftSection={<IconListCheck size={16} />}
            rightSection={
              detail.skippedCount > 0 ? (
                <Badge size="xs" color="orange" variant="light">
                  {detail.skippedCount}
                </Badge>
              ) : null
            }
          >
            Skipped
          </Tabs.Tab>
          <Tabs.Tab
            value="label"
            leftSection={<IconTags size={16} />}
            disabled={!hasFiles || !canWrite}
          >
            Label &amp; split
          </Tabs.Tab>
          <Tabs.Tab value="versions" leftSection={<IconVersions size={16} />}>
            Versions
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="files" pt="md">
          <FolderBrowser datasetId={detail.id} total={detail.fileCount} />
        </Tabs.Panel>
        <Tabs.Panel value="skipped" pt="md">
          <SkippedList
            skipped={detail.skipped}
            total={detail.skippedCount}
            textFiles={detail.textFiles}
          />
        </Tabs.Panel>
        <Tabs.Panel value="label" pt="md">
          <Labeller
            datasetId={detail.id}
            textFiles={detail.textFiles}
            samplePaths={detail.samplePaths}
          />
        </Tabs.Panel>
        <Tabs.Panel value="versions" pt="md">
          <VersionList datasetId={detail.id} versions={detail.versions} mayDelete={mayDelete} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

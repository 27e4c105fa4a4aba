'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Alert, Anchor, Button, Group, Text } from '@mantine/core';
import { IconDeviceFloppy, IconPlayerPlay } from '@tabler/icons-react';
import { postJson } from '../auth/post-json';
import { toCorrections, type Marks } from './marks';

interface Saved {
  id: string;
  number: number;
  relabelled: number;
  excluded: number;
}

/**
 * The marks of the results page: how many, "Save as a new version", and once saved, the new
 * version and a run on it with this run's settings in one click.
 */
export function CorrectionsBar({
  marks,
  onSaved,
  stageId,
  runId,
  datasetId,
}: {
  marks: Marks;
  onSaved: () => void;
  stageId: string;
  runId: string;
  datasetId: string;
}) {
  const router = useRouter();
  const [saved, setSaved] = useState<Saved | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState<'save' | 'run' | null>(null);
  const excluded = [...marks.values()].filter((m) => m.action === 'exclude').length;

  async function save() {
    setBusy('save');
    setProblem(null);
    const answer = await postJson(`/api/stages/${stageId}/corrections`, {
      corrections: toCorrections(marks),
    });
    if (answer.ok) {
      setSaved(answer.data as unknown as Saved);
      onSaved();
    } else setProblem(`The corrections were not saved: ${answer.error}`);
    setBusy(null);
  }

  async function train(versionId: string) {
    setBusy('run');
    setProblem(null);
    const answer = await postJson(`/api/runs/${runId}/rerun`, { versionId });
    if (answer.ok) router.push(`/runs/${String(answer.data.id)}`);
    else {
      setProblem(`The run was not started: ${answer.error}`);
      setBusy(null);
    }
  }

  return (
    <>
      {marks.size > 0 && (
        <Group justify="space-between" data-testid="corrections-bar">
          <Text size="sm" aria-live="polite">
            {marks.size} image{marks.size === 1 ? '' : 's'} marked: {marks.size - excluded} to
            relabel, {excluded} to exclude.
          </Text>
          <Button
            leftSection={<IconDeviceFloppy size={16} />}
            loading={busy === 'save'}
            onClick={save}
          >
            Save as a new version
          </Button>
        </Group>
      )}
      {saved && (
        <Alert color="teal" title={`Version ${saved.number} saved`} role="status">
          <Group justify="space-between">
            <Text size="sm">
              {saved.relabelled} label{saved.relabelled === 1 ? '' : 's'} changed, {saved.excluded}{' '}
              image{saved.excluded === 1 ? '' : 's'} excluded; the run&apos;s version is unchanged.{' '}
              <Anchor component={Link} href={`/datasets/${datasetId}`}>
                Open the dataset
              </Anchor>
            </Text>
            <Button
              size="xs"
              leftSection={<IconPlayerPlay size={14} />}
              loading={busy === 'run'}
              onClick={() => train(saved.id)}
            >
              Train version {saved.number} with the same settings
            </Button>
          </Group>
        </Alert>
      )}
      {problem && (
        <Alert color="red" role="alert">
          {problem}
        </Alert>
      )}
    </>
  );
}

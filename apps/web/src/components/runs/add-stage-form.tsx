'use client';

import { useState } from 'react';
import { Button, Card, Group, Text, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { callApi } from './call-api';
import { toStageSpec, type StageDraft } from './stage-draft';
import { StageFields } from './stage-fields';

/** Appends a pending stage to the run; the LR finder's chart can fill in its max_lr. */
export function AddStageForm({
  runId,
  draft,
  onDraftChange,
  notice,
  onAdded,
}: {
  runId: string;
  draft: StageDraft;
  onDraftChange: (draft: StageDraft) => void;
  /** Says where the form's values came from, e.g. a click on the LR finder plot. */
  notice: string | null;
  onAdded: () => Promise<void>;
}) {
  const [error, setError] = useState<string | null>(null);
  const [isSaving, setIsSaving] = useState(false);
  async function add() {
    const checked = toStageSpec(draft);
    if (checked.error) {
      setError(checked.error);
      return;
    }
    setError(null);
    setIsSaving(true);
    const isAdded = await callApi('add the stage', 'POST', `/api/runs/${runId}/stages`, {
      stages: [checked.spec],
    });
    if (isAdded) await onAdded();
    setIsSaving(false);
  }
  return (
    <Card id="add-stage">
      <Title order={2} size="h4" mb="sm">
        Add a stage
      </Title>
      <StageFields draft={draft} onChange={onDraftChange} label="New stage" />
      <Text size="sm" c="teal.8" mt="xs" aria-live="polite">
        {notice}
      </Text>
      {error && (
        <Text size="sm" c="red" mt="xs" role="alert">
          {error}
        </Text>
      )}
      <Group justify="flex-end" mt="sm">
        <Button leftSection={<IconPlus size={16} />} loading={isSaving} onClick={add}>
          Add stage
        </Button>
      </Group>
    </Card>
  );
}

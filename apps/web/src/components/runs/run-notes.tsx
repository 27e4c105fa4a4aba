'use client';

import { useState } from 'react';
import { Button, Card, Group, Stack, TagsInput, Text, Textarea, Title } from '@mantine/core';
import { useViewer } from '../viewer-context';
import { callApi } from './call-api';

/** The team's notes and tags on a run; tags filter the run history. */
export function RunNotes({
  runId,
  notes,
  tags,
  onSaved,
}: {
  runId: string;
  notes: string;
  tags: string[];
  onSaved: () => Promise<void>;
}) {
  const { canWrite } = useViewer();
  const [draftNotes, setNotes] = useState(notes);
  const [draftTags, setTags] = useState(tags);
  const [isSaving, setSaving] = useState(false);
  const isChanged = draftNotes !== notes || draftTags.join() !== tags.join();
  const save = async () => {
    setSaving(true);
    if (
      await callApi('save the notes', 'PATCH', `/api/runs/${runId}`, {
        notes: draftNotes,
        tags: draftTags,
      })
    )
      await onSaved();
    setSaving(false);
  };
  return (
    <Card>
      <Title order={2} size="h4" mb="sm">
        Notes and tags
      </Title>
      {canWrite ? (
        <Stack gap="sm">
          <TagsInput
            label="Tags"
            description="Press Enter after each tag; the run history filters by tag."
            value={draftTags}
            onChange={setTags}
            maxTags={20}
            clearable
          />
          <Textarea
            label="Notes"
            autosize
            minRows={3}
            value={draftNotes}
            onChange={(e) => setNotes(e.currentTarget.value)}
          />
          <Group justify="flex-end">
            <Button onClick={save} loading={isSaving} disabled={!isChanged}>
              Save notes
            </Button>
          </Group>
        </Stack>
      ) : (
        <Stack gap="xs">
          <Text size="sm">{tags.length ? `Tags: ${tags.join(', ')}` : 'No tags.'}</Text>
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {notes || 'No notes.'}
          </Text>
        </Stack>
      )}
    </Card>
  );
}

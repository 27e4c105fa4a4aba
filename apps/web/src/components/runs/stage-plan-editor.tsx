'use client';

import { ActionIcon, Button, Card, Code, Group, Stack, Text, Title, Tooltip } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconPlus, IconSchool, IconTrash } from '@tabler/icons-react';
import { LESSON_PLAN } from '@studio/shared';
import { formatStageCall } from './format';
import { emptyDraft, toDraft, toStageSpec, type StageDraft } from './stage-draft';
import { StageFields } from './stage-fields';

/** The stages a new run will have: the lesson's plan in one click, then edit, reorder, add, remove. */
export function StagePlanEditor({
  stages,
  onChange,
}: {
  stages: StageDraft[];
  onChange: (stages: StageDraft[]) => void;
}) {
  const replace = (index: number, draft: StageDraft) =>
    onChange(stages.map((s, i) => (i === index ? draft : s)));
  const move = (index: number, by: -1 | 1) => {
    const next = [...stages];
    [next[index], next[index + by]] = [next[index + by]!, next[index]!];
    onChange(next);
  };
  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2} size="h4">
            Stages
          </Title>
          <Text size="sm" c="dimmed">
            What the run does, in order. You can also add stages later from the run page.
          </Text>
        </div>
        <Group gap="xs">
          <Button
            variant="light"
            leftSection={<IconSchool size={16} />}
            onClick={() => onChange(LESSON_PLAN.map(toDraft))}
          >
            Use the lesson&apos;s plan
          </Button>
          <Button
            variant="default"
            leftSection={<IconPlus size={16} />}
            onClick={() => onChange([...stages, emptyDraft()])}
          >
            Add a stage
          </Button>
        </Group>
      </Group>
      {stages.length === 0 && (
        <Card bg="var(--mantine-color-gray-0)">
          <Text size="sm">
            No stages yet. “Use the lesson&apos;s plan” gives{' '}
            {LESSON_PLAN.map((s, i) => (
              <span key={i}>
                {i > 0 && ' → '}
                <Code>{formatStageCall(s.kind, s as unknown as Record<string, unknown>)}</Code>
              </span>
            ))}
            . A run without stages can be created and filled in later.
          </Text>
        </Card>
      )}
      {stages.map((draft, index) => {
        const checked = toStageSpec(draft);
        return (
          <Card key={index} padding="md" data-testid={`plan-stage-${index + 1}`}>
            <Group justify="space-between" mb={4}>
              <Text fw={600} size="sm">
                Stage {index + 1}
              </Text>
              <Group gap={4} wrap="nowrap">
                <Tooltip label="Move up">
                  <ActionIcon
                    variant="subtle"
                    color="gray"
                    aria-label={`Move stage ${index + 1} up`}
                    disabled={index === 0}
                    onClick={() => move(index, -1)}
                  >
                    <IconArrowUp size={16} />
                  </ActionIcon>
                </Tooltip>
                <Tooltip label="Move down">
                  <ActionIcon
                    variant="subtle"
                    color="gray"
                    aria-label={`Move stage ${index + 1} down`}
                    disabled={index === stages.length - 1}
                    onClick={() => move(index, 1)}
                  >
                    <IconArrowDown size={16} />
                  </ActionIcon>
                </Tooltip>
                <Tooltip label="Remove">
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    aria-label={`Remove stage ${index + 1}`}
                    onClick={() => onChange(stages.filter((_, i) => i !== index))}
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                </Tooltip>
              </Group>
            </Group>
            <StageFields
              draft={draft}
              onChange={(d) => replace(index, d)}
              label={`Stage ${index + 1}`}
            />
            <Text size="sm" mt="xs" c={checked.error ? 'red' : undefined}>
              {checked.error ?? (
                <Code>
                  {formatStageCall(checked.spec.kind, checked.spec as Record<string, unknown>)}
                </Code>
              )}
            </Text>
          </Card>
        );
      })}
    </Stack>
  );
}

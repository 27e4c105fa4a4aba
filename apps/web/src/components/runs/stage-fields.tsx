'use client';

import { useId } from 'react';
import {
  Checkbox,
  Group,
  Input,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { STAGE_KINDS, type StageDraft, type StageKind } from './stage-draft';

const LR_HELP: Record<StageDraft['lrMode'], string> = {
  number:
    'max_lr: the peak of the one-cycle schedule, the same for every layer group. fastai default 3e-3.',
  slice:
    'slice(lo, hi) spreads rates geometrically from lo (first layer group) to hi (the head): fine-tune pretrained layers gently after unfreeze.',
};

/**
 * The inputs of one stage; which ones show depends on the kind. The group is named ("Stage 3")
 * so the short visible labels stay unambiguous for screen readers when several stages show.
 */
export function StageFields({
  draft,
  onChange,
  label,
}: {
  draft: StageDraft;
  onChange: (draft: StageDraft) => void;
  label: string;
}) {
  const id = useId();
  const set = (patch: Partial<StageDraft>) => onChange({ ...draft, ...patch });
  const kind = STAGE_KINDS.find((k) => k.value === draft.kind)!;
  // A text input, because a number input would turn 1e-6 into 0.000001.
  const lrInput = (key: 'lr' | 'lo' | 'hi', text: string) => (
    <TextInput
      label={text}
      value={draft[key]}
      onChange={(event) => set({ [key]: event.currentTarget.value })}
      inputMode="decimal"
      autoComplete="off"
      w={120}
    />
  );
  return (
    <Stack gap="xs" role="group" aria-label={label}>
      <Group align="flex-end" gap="sm" wrap="wrap">
        <Select
          label="Kind"
          data={STAGE_KINDS.map(({ value, label }) => ({ value, label }))}
          value={draft.kind}
          onChange={(value) =>
            value &&
            set({
              kind: value as StageKind,
              epochs: value === 'fit_one_cycle' && draft.epochs === '' ? 1 : draft.epochs,
            })
          }
          allowDeselect={false}
          w={270}
        />
        {draft.kind === 'fit_one_cycle' && (
          <>
            <NumberInput
              label="Epochs"
              value={draft.epochs}
              onChange={(value) => set({ epochs: value })}
              min={1}
              max={200}
              allowDecimal={false}
              w={90}
            />
            <div>
              <Input.Label id={`${id}-lr-mode`} display="block" mb={1}>
                Learning rate
              </Input.Label>
              <SegmentedControl
                aria-labelledby={`${id}-lr-mode`}
                value={draft.lrMode}
                onChange={(value) => set({ lrMode: value as StageDraft['lrMode'] })}
                data={[
                  { value: 'number', label: 'one rate' },
                  { value: 'slice', label: 'slice(lo, hi)' },
                ]}
              />
            </div>
            {draft.lrMode === 'number' && lrInput('lr', 'max_lr')}
            {draft.lrMode === 'slice' && lrInput('lo', 'slice lo')}
            {draft.lrMode === 'slice' && lrInput('hi', 'slice hi')}
            <Checkbox
              label="Restore best epoch"
              description="End on the weights of the epoch with the lowest validation error (fastai SaveModelCallback). Off: the last epoch's, as fastai."
              checked={draft.restoreBest}
              onChange={(event) => set({ restoreBest: event.currentTarget.checked })}
              maw={260}
              mt="lg"
            />
          </>
        )}
        {(draft.kind === 'save' || draft.kind === 'load') && (
          <TextInput
            label="Checkpoint name"
            placeholder="stage-1"
            value={draft.name}
            onChange={(event) => set({ name: event.currentTarget.value })}
            w={200}
          />
        )}
      </Group>
      <Text size="xs" c="dimmed">
        {kind.help}
        {draft.kind === 'fit_one_cycle' ? ` ${LR_HELP[draft.lrMode]}` : ''}
        {draft.kind === 'save' || draft.kind === 'load' ? ' Letters, digits, . - _' : ''}
      </Text>
    </Stack>
  );
}

'use client';

import { useId, type ReactNode } from 'react';
import { Input, SegmentedControl, type SegmentedControlItem } from '@mantine/core';

/**
 * A segmented control with a label (and a description) like Mantine's inputs have, tied to it
 * for screen readers (SegmentedControl has neither of its own).
 */
export function LabelledSegmentedControl<T extends string>({
  label,
  description,
  value,
  onChange,
  data,
}: {
  label: string;
  description?: ReactNode;
  value: T;
  onChange: (value: T) => void;
  data: (T | { value: T; label: string })[];
}) {
  const id = useId();
  return (
    <div>
      <Input.Label id={`${id}-label`} display="block">
        {label}
      </Input.Label>
      {description && (
        <Input.Description id={`${id}-help`} mb={5}>
          {description}
        </Input.Description>
      )}
      <SegmentedControl
        aria-labelledby={`${id}-label`}
        aria-describedby={description ? `${id}-help` : undefined}
        value={value}
        onChange={(v) => onChange(v as T)}
        data={data as (string | SegmentedControlItem)[]}
      />
    </div>
  );
}

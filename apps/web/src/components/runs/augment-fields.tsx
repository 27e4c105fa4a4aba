'use client';

import { Card, NumberInput, SimpleGrid, Switch, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import type { AugmentConfig } from '@studio/shared';
import { CONFIG_DOCS } from './config-docs';

/** What the inputs hold while editing: a cleared number input gives ''. */
export type AugmentForm = {
  [K in keyof AugmentConfig]: AugmentConfig[K] extends number ? number | string : AugmentConfig[K];
};

const STRENGTHS: {
  key: Exclude<keyof AugmentConfig, 'enabled' | 'doFlip'>;
  label: string;
  min: number;
  max: number;
  step: number;
  suffix?: string;
}[] = [
  { key: 'maxRotate', label: 'Max rotate', min: 0, max: 45, step: 1, suffix: '°' },
  { key: 'maxZoom', label: 'Max zoom', min: 1, max: 2, step: 0.05 },
  { key: 'maxLighting', label: 'Max lighting', min: 0, max: 0.9, step: 0.05 },
  { key: 'maxWarp', label: 'Max warp', min: 0, max: 0.5, step: 0.05 },
  { key: 'pAffine', label: 'p affine', min: 0, max: 1, step: 0.05 },
  { key: 'pLighting', label: 'p lighting', min: 0, max: 1, step: 0.05 },
];

export function AugmentFields({
  value,
  onChange,
  errors,
}: {
  value: AugmentForm;
  onChange: (value: AugmentForm) => void;
  errors: Record<string, ReactNode>;
}) {
  const set = (patch: Partial<AugmentForm>) => onChange({ ...value, ...patch });
  return (
    <Card>
      <Title order={2} size="h4" mb="sm">
        Augmentation
      </Title>
      <Switch
        label="Augment training images"
        description={CONFIG_DOCS.augment}
        checked={value.enabled}
        onChange={(event) => set({ enabled: event.currentTarget.checked })}
        mb="md"
      />
      {value.enabled && (
        <>
          <Switch
            label="Flip horizontally"
            description={CONFIG_DOCS.doFlip}
            checked={value.doFlip}
            onChange={(event) => set({ doFlip: event.currentTarget.checked })}
            mb="md"
          />
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="md">
            {STRENGTHS.map((s) => (
              <NumberInput
                key={s.key}
                label={s.label}
                description={CONFIG_DOCS[s.key]}
                value={value[s.key]}
                onChange={(v) => set({ [s.key]: v })}
                min={s.min}
                max={s.max}
                step={s.step}
                decimalScale={2}
                suffix={s.suffix}
                error={errors[`config.augment.${s.key}`]}
              />
            ))}
          </SimpleGrid>
        </>
      )}
    </Card>
  );
}

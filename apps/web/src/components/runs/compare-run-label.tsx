'use client';

import Link from 'next/link';
import { Anchor, ColorSwatch, Group, Table } from '@mantine/core';

/** One colour per compared run, the same in every table and chart; distinct in hue and lightness. */
export const RUN_COLORS = ['indigo.6', 'orange.6', 'teal.6', 'grape.6', 'red.7', 'cyan.8'] as const;

export const cssColor = (color: string) => {
  const [name, shade] = color.split('.');
  return `var(--mantine-color-${name}-${shade})`;
};

/** A compared run's name in its colour, linking to the run. */
export function CompareRunLabel({
  id,
  label,
  color,
}: {
  id: string;
  label: string;
  color: string;
}) {
  return (
    <Group gap={6} wrap="nowrap">
      <ColorSwatch color={cssColor(color)} size={12} withShadow={false} aria-hidden />
      <Anchor component={Link} href={`/runs/${id}`} fw={600} size="sm">
        {label}
      </Anchor>
    </Group>
  );
}

/** The header row of a comparison table: `first` over the row labels, then each run's label. */
export function CompareHeaderRow({
  first,
  runs,
}: {
  first: string;
  runs: { id: string; label: string; color: string }[];
}) {
  return (
    <Table.Thead>
      <Table.Tr>
        <Table.Th w={180}>{first}</Table.Th>
        {runs.map((r) => (
          <Table.Th key={r.id} scope="col">
            <CompareRunLabel id={r.id} label={r.label} color={r.color} />
          </Table.Th>
        ))}
      </Table.Tr>
    </Table.Thead>
  );
}

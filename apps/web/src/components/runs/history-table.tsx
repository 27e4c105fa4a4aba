'use client';

import Link from 'next/link';
import type { ReactNode } from 'react';
import { Anchor, Badge, Checkbox, Group, Table, Text, UnstyledButton } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconArrowsSort } from '@tabler/icons-react';
import type { HistoryRun } from '@/server/history';
import { StatusBadge } from '../status-badge';
import { LocalTime } from '../local-time';
import { formatDuration, formatPercent } from './format';
import type { HistoryFilters } from './history-query';

type Sort = Pick<HistoryFilters, 'sort' | 'dir'>;

/** The run history: one row per run, a checkbox to pick runs to compare, sortable by date or error. */
export function HistoryTable({
  runs,
  sort,
  onSort,
  selected,
  onSelect,
}: {
  runs: HistoryRun[];
  sort: Sort;
  onSort: (next: Sort) => void;
  selected: string[];
  onSelect: (ids: string[]) => void;
}) {
  const shownSelected = runs.filter((r) => selected.includes(r.id)).length;
  const toggle = (id: string) =>
    onSelect(selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id]);
  const toggleAll = () =>
    onSelect(
      shownSelected === runs.length
        ? selected.filter((id) => !runs.some((r) => r.id === id))
        : [...selected, ...runs.filter((r) => !selected.includes(r.id)).map((r) => r.id)],
    );
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table
        highlightOnHover
        verticalSpacing="sm"
        horizontalSpacing="sm"
        aria-label="Run history"
        data-testid="run-history"
      >
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={40}>
              <Checkbox
                aria-label="Select all shown runs"
                checked={runs.length > 0 && shownSelected === runs.length}
                indeterminate={shownSelected > 0 && shownSelected < runs.length}
                onChange={toggleAll}
              />
            </Table.Th>
            <Table.Th miw={220}>Name</Table.Th>
            <Table.Th>Dataset and architecture</Table.Th>
            <Table.Th>Stages</Table.Th>
            <SortableTh by="error" sort={sort} onSort={onSort} ta="right">
              Error rate (best)
            </SortableTh>
            <Table.Th ta="right">Duration</Table.Th>
            <Table.Th>Status</Table.Th>
            <SortableTh by="created" sort={sort} onSort={onSort}>
              Created
            </SortableTh>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {runs.map((r) => (
            <Table.Tr
              key={r.id}
              bg={selected.includes(r.id) ? 'var(--mantine-primary-color-light)' : undefined}
            >
              <Table.Td>
                <Checkbox
                  aria-label={`Select run ${r.name}`}
                  checked={selected.includes(r.id)}
                  onChange={() => toggle(r.id)}
                />
              </Table.Td>
              <Table.Td>
                <Anchor component={Link} href={`/runs/${r.id}`} fw={600}>
                  {r.name}
                </Anchor>
                {r.tags.length > 0 && (
                  <Group gap={4} mt={2}>
                    {r.tags.map((t) => (
                      <Badge key={t} size="xs" variant="light" tt="none">
                        {t}
                      </Badge>
                    ))}
                  </Group>
                )}
              </Table.Td>
              <Table.Td>
                <Anchor component={Link} href={`/datasets/${r.dataset.id}`} c="inherit">
                  {r.dataset.name}
                </Anchor>{' '}
                <Text span c="dimmed" size="sm" style={{ whiteSpace: 'nowrap' }}>
                  v{r.versionNumber}
                </Text>
                <Text size="xs" c="dimmed">
                  {r.arch}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{r.stages.summary || 'no stages'}</Text>
                {r.stages.count > 0 && (
                  <Text size="xs" c="dimmed">
                    {r.stages.done} of {r.stages.count} done
                  </Text>
                )}
              </Table.Td>
              <Table.Td ta="right">
                {r.finalErrorRate === null ? '—' : formatPercent(r.finalErrorRate)}
                {r.bestErrorRate !== null && r.finalErrorRate !== null && (
                  <Text span c="dimmed" size="sm">
                    {' '}
                    (best {formatPercent(r.bestErrorRate)})
                  </Text>
                )}
              </Table.Td>
              <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                {formatDuration(r.durationS)}
                {r.isActive && (
                  <Text span c="dimmed" size="sm">
                    {' '}
                    so far
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <StatusBadge status={r.status} />
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <LocalTime iso={r.createdAt} />
                <Text size="xs" c="dimmed">
                  by {r.createdBy?.name ?? 'someone no longer here'}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** A column header that sorts by its column: first click the natural order, the next reverses it. */
function SortableTh({
  by,
  sort,
  onSort,
  ta,
  children,
}: {
  by: Sort['sort'];
  sort: Sort;
  onSort: (next: Sort) => void;
  ta?: 'right';
  children: ReactNode;
}) {
  const isActive = sort.sort === by;
  // Newest first for dates, lowest first for error rates.
  const natural = by === 'created' ? 'desc' : 'asc';
  const next = isActive ? (sort.dir === 'asc' ? 'desc' : 'asc') : natural;
  const Icon = !isActive ? IconArrowsSort : sort.dir === 'asc' ? IconArrowUp : IconArrowDown;
  return (
    <Table.Th
      ta={ta}
      aria-sort={isActive ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
    >
      <UnstyledButton
        onClick={() => onSort({ sort: by, dir: next })}
        fw={700}
        fz="sm"
        style={{ whiteSpace: 'nowrap' }}
      >
        <Group gap={4} wrap="nowrap" justify={ta === 'right' ? 'flex-end' : undefined}>
          {children}
          <Icon size={14} aria-hidden />
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}

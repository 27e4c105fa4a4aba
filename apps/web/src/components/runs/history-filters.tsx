'use client';

import { Button, Group, MultiSelect, Select, Switch } from '@mantine/core';
import { IconFilterOff } from '@tabler/icons-react';
import { isFiltered, RUN_STATUSES, withoutFilters, type HistoryFilters } from './history-query';

/** Dataset, architecture, person, tag and status filters of the run history; each change becomes the URL. */
export function HistoryFilterBar({
  filters,
  datasets,
  archs,
  people,
  tags,
  onChange,
}: {
  filters: HistoryFilters;
  datasets: { id: string; name: string }[];
  archs: string[];
  people: { id: string; name: string }[];
  tags: string[];
  onChange: (next: HistoryFilters) => void;
}) {
  // A shared link may name a dataset or architecture no run uses any more; keep it selectable.
  const datasetOptions = datasets.map((d) => ({ value: d.id, label: d.name }));
  if (filters.dataset && !datasets.some((d) => d.id === filters.dataset))
    datasetOptions.push({ value: filters.dataset, label: 'unknown dataset' });
  const archOptions =
    filters.arch && !archs.includes(filters.arch) ? [...archs, filters.arch] : archs;
  return (
    <Group gap="sm" align="flex-end" role="search" aria-label="Filter runs">
      <Select
        label="Dataset"
        placeholder="All datasets"
        data={datasetOptions}
        value={filters.dataset ?? null}
        onChange={(dataset) => onChange({ ...filters, dataset: dataset ?? undefined })}
        clearable
        w={220}
      />
      <Select
        label="Architecture"
        placeholder="All architectures"
        data={archOptions}
        value={filters.arch ?? null}
        onChange={(arch) => onChange({ ...filters, arch: arch ?? undefined })}
        clearable
        w={200}
      />
      <Select
        label="Started by"
        placeholder="Everyone"
        data={people.map((p) => ({ value: p.id, label: p.name }))}
        value={filters.person ?? null}
        onChange={(person) => onChange({ ...filters, person: person ?? undefined })}
        clearable
        w={180}
      />
      <Select
        label="Tag"
        placeholder="Any tag"
        data={filters.tag && !tags.includes(filters.tag) ? [...tags, filters.tag] : tags}
        value={filters.tag ?? null}
        onChange={(tag) => onChange({ ...filters, tag: tag ?? undefined })}
        clearable
        w={160}
      />
      <MultiSelect
        label="Status"
        placeholder={filters.status.length ? undefined : 'All statuses'}
        data={[...RUN_STATUSES]}
        value={filters.status}
        onChange={(status) => onChange({ ...filters, status: status as HistoryFilters['status'] })}
        clearable
        miw={200}
        maw={360}
      />
      <Switch
        label="Archived runs"
        checked={filters.archived}
        onChange={(e) => onChange({ ...filters, archived: e.currentTarget.checked })}
        mb={8}
      />
      {isFiltered(filters) && (
        <Button
          variant="subtle"
          leftSection={<IconFilterOff size={16} />}
          onClick={() => onChange(withoutFilters(filters))}
        >
          Clear filters
        </Button>
      )}
    </Group>
  );
}

'use client';

import { Button, Group, MultiSelect, Select } from '@mantine/core';
import { IconFilterOff } from '@tabler/icons-react';
import { isFiltered, RUN_STATUSES, withoutFilters, type HistoryFilters } from './history-query';

/** Dataset, architecture and status filters of the run history; each change becomes the URL. */
export function HistoryFilterBar({
  filters,
  datasets,
  archs,
  onChange,
}: {
  filters: HistoryFilters;
  datasets: { id: string; name: string }[];
  archs: string[];
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

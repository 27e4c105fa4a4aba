import type { Metadata } from 'next';
import { DatasetList } from '@/components/datasets/dataset-list';
import { pageAccess } from '@/server/access';
import { listDatasets } from '@/server/datasets';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Datasets' };

export default async function DatasetsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const access = await pageAccess();
  const archived = (await searchParams).archived === '1';
  return <DatasetList datasets={await listDatasets(access, { archived })} isArchived={archived} />;
}

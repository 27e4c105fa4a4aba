import type { Metadata } from 'next';
import { DatasetList } from '@/components/datasets/dataset-list';
import { pageAccess } from '@/server/access';
import { listDatasets } from '@/server/datasets';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Datasets' };

export default async function DatasetsPage() {
  return <DatasetList datasets={await listDatasets(await pageAccess())} />;
}

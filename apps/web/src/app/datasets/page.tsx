import type { Metadata } from 'next';
import { DatasetList } from '@/components/datasets/dataset-list';
import { listDatasets } from '@/server/datasets';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Datasets' };

export default async function DatasetsPage() {
  return <DatasetList datasets={await listDatasets()} />;
}

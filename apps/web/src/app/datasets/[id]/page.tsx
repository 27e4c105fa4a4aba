import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { DatasetView } from '@/components/datasets/dataset-view';
import { getDatasetDetail } from '@/server/datasets';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Dataset' };

export default async function DatasetPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const detail = await getDatasetDetail(id);
  if (!detail) notFound();
  return <DatasetView detail={detail} />;
}

import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { DatasetView } from '@/components/datasets/dataset-view';
import { pageAccess } from '@/server/access';
import { getDatasetDetail } from '@/server/datasets';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Dataset' };

export default async function DatasetPage({ params }: { params: Promise<{ id: string }> }) {
  const access = await pageAccess();
  const { id } = await params;
  const detail = await getDatasetDetail(access, id);
  if (!detail) notFound();
  return <DatasetView detail={detail} />;
}

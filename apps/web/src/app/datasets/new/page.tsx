import type { Metadata } from 'next';
import { NewDataset } from '@/components/datasets/new-dataset';
import { pageAccess } from '@/server/access';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'New dataset' };

export default async function NewDatasetPage() {
  await pageAccess('write');
  return <NewDataset />;
}

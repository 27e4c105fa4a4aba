import type { Metadata } from 'next';
import { NewDataset } from '@/components/datasets/new-dataset';

export const metadata: Metadata = { title: 'New dataset' };

export default function NewDatasetPage() {
  return <NewDataset />;
}

import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ResultsView } from '@/components/results/results-view';
import { pageAccess } from '@/server/access';
import { getStageResults } from '@/server/interpretation';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Stage results' };

export default async function StageResultsPage({
  params,
}: {
  params: Promise<{ id: string; stageId: string }>;
}) {
  const access = await pageAccess();
  const { id, stageId } = await params;
  const results = await getStageResults(access, id, stageId);
  if (!results) notFound();
  return <ResultsView results={results} />;
}

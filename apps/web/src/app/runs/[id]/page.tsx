import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { RunView } from '@/components/runs/run-view';
import { getRunDetail } from '@/server/runs';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Run' };

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const run = await getRunDetail(id);
  if (!run) notFound();
  return <RunView initial={run} />;
}

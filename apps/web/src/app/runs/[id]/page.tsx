import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { RunView } from '@/components/runs/run-view';
import { pageAccess } from '@/server/access';
import { getRunDetail } from '@/server/runs';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Run' };

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const access = await pageAccess();
  const { id } = await params;
  const run = await getRunDetail(access, id);
  if (!run) notFound();
  return <RunView initial={run} />;
}

import type { Metadata } from 'next';
import { NewRun } from '@/components/runs/new-run';
import { pageAccess } from '@/server/access';
import { listTrainableVersions } from '@/server/runs';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'New run' };

export default async function NewRunPage({
  searchParams,
}: {
  searchParams: Promise<{ versionId?: string }>;
}) {
  const access = await pageAccess('write');
  const { versionId } = await searchParams;
  return <NewRun versions={await listTrainableVersions(access)} versionId={versionId ?? null} />;
}

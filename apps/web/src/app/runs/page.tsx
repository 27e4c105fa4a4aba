import type { Metadata } from 'next';
import { RunList } from '@/components/runs/run-list';
import { listRuns } from '@/server/runs';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Runs' };

export default async function RunsPage() {
  return <RunList runs={await listRuns()} />;
}

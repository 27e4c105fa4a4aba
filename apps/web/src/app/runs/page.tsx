import type { Metadata } from 'next';
import { RunList } from '@/components/runs/run-list';
import { parseHistoryQuery } from '@/components/runs/history-query';
import { pageAccess } from '@/server/access';
import { listRunHistory } from '@/server/history';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Runs' };

export default async function RunsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const access = await pageAccess();
  const filters = parseHistoryQuery(await searchParams);
  return <RunList history={await listRunHistory(access, filters)} filters={filters} />;
}

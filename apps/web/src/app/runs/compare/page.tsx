import type { Metadata } from 'next';
import { CompareProblem } from '@/components/runs/compare-problem';
import { CompareView } from '@/components/runs/compare-view';
import { COMPARE_LIMITS } from '@/components/runs/history-query';
import { pageAccess } from '@/server/access';
import { compareRuns, parseCompareIds } from '@/server/history';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Compare runs' };

export default async function CompareRunsPage({
  searchParams,
}: {
  searchParams: Promise<{ ids?: string | string[] }>;
}) {
  const access = await pageAccess();
  const ids = parseCompareIds((await searchParams).ids);
  const { min, max } = COMPARE_LIMITS;
  if (ids.length < min)
    return (
      <CompareProblem
        title={`Pick at least ${min} runs`}
        message={`This link names ${ids.length === 0 ? 'no run' : 'only one run'}. Tick ${min} to ${max} runs in the run history and press Compare.`}
      />
    );
  if (ids.length > max)
    return (
      <CompareProblem
        title={`At most ${max} runs side by side`}
        message={`This link names ${ids.length} runs. Pick ${max} or fewer in the run history.`}
      />
    );
  const comparison = await compareRuns(access, ids);
  if (comparison.missing.length > 0)
    return (
      <CompareProblem
        title={comparison.missing.length === 1 ? 'A run does not exist' : 'Some runs do not exist'}
        message={`No run has the id ${comparison.missing.map((id) => `"${id}"`).join(', ')}. It may have been deleted, or the link was cut short. Pick the runs again in the run history.`}
      />
    );
  return <CompareView comparison={comparison} />;
}

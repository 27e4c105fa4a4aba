import { requireAccess } from '@/server/access';
import { handle } from '@/server/http';
import { confusionCsv } from '@/server/interpretation';

export const dynamic = 'force-dynamic';

/** The stage's confusion matrix as a spreadsheet-safe CSV. */
export const GET = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request);
    return new Response(await confusionCsv(access, (await params).id), {
      headers: {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': 'attachment; filename="confusion-matrix.csv"',
        'X-Content-Type-Options': 'nosniff',
      },
    });
  },
);

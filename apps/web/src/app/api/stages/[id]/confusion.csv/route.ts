import { handle } from '@/server/http';
import { confusionCsv } from '@/server/interpretation';

export const dynamic = 'force-dynamic';

/** The stage's confusion matrix as a spreadsheet-safe CSV. */
export const GET = handle(
  async (_request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const { id } = await params;
    return new Response(await confusionCsv(id), {
      headers: {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': 'attachment; filename="confusion-matrix.csv"',
        'X-Content-Type-Options': 'nosniff',
      },
    });
  },
);

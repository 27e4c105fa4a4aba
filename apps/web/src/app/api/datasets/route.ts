import { NextResponse } from 'next/server';
import { z } from 'zod';
import { createDataset, listDatasets } from '@/server/datasets';
import { requireAccess } from '@/server/access';
import { handle, parseJson } from '@/server/http';
import { checkImportUrlOrThrow, enqueueImport } from '@/server/imports';

export const dynamic = 'force-dynamic';

const createRequest = z.discriminatedUnion('sourceKind', [
  z.object({ sourceKind: z.enum(['folder', 'archive']), name: z.string().trim().min(1).max(200) }),
  z.object({
    sourceKind: z.literal('url'),
    name: z.string().trim().min(1).max(200),
    url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//i.test(u), 'Only http(s) URLs can be imported.'),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/i, 'A SHA-256 is 64 hexadecimal characters.')
      .optional(),
  }),
]);

/** The datasets in use; `?archived=1` lists the archived ones instead. */
export const GET = handle(async (request: Request) => {
  const archived = new URL(request.url).searchParams.get('archived') === '1';
  return NextResponse.json({
    datasets: await listDatasets(await requireAccess(request), { archived }),
  });
});

export const POST = handle(async (request: Request) => {
  const access = await requireAccess(request, 'write');
  const body = await parseJson(request, createRequest);
  if (body.sourceKind !== 'url') {
    const dataset = await createDataset(access, body.name, body.sourceKind);
    return NextResponse.json({ id: dataset.id }, { status: 201 });
  }
  checkImportUrlOrThrow(body.url);
  const dataset = await createDataset(access, body.name, 'url', body.url);
  const task = await enqueueImport(access, {
    datasetId: dataset.id,
    kind: 'url',
    source: body.url,
    sha256: body.sha256?.toLowerCase(),
  });
  return NextResponse.json({ id: dataset.id, importId: task.id }, { status: 201 });
});

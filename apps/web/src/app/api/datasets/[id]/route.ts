import { NextResponse } from 'next/server';
import { requireAccess } from '@/server/access';
import { handle, parseJson } from '@/server/http';
import { deleteDataset, renameOrArchive, updateDataset } from '@/server/lifecycle';

export const dynamic = 'force-dynamic';

type Params = { params: Promise<{ id: string }> };

/** Renames the dataset, or archives (`archived: true`) or restores it. */
export const PATCH = handle(async (request: Request, { params }: Params) => {
  const access = await requireAccess(request, 'write');
  const input = await parseJson(request, renameOrArchive);
  return NextResponse.json(await updateDataset(access, (await params).id, input));
});

/** Deletes the dataset with its versions, runs and stored images; answers what was freed. */
export const DELETE = handle(async (request: Request, { params }: Params) => {
  const access = await requireAccess(request, 'write');
  return NextResponse.json({ deleted: await deleteDataset(access, (await params).id) });
});

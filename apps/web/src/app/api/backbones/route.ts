import { NextResponse } from 'next/server';
import {
  createUploadedBackbone,
  listUploadedBackbones,
  readBackboneForm,
} from '@/server/backbones';
import { requireAccess } from '@/server/access';
import { handle } from '@/server/http';

export const dynamic = 'force-dynamic';

export const GET = handle(async (request: Request) =>
  NextResponse.json({ backbones: await listUploadedBackbones(await requireAccess(request)) }),
);

/** Upload a tfjs LayersModel folder; validated before anything is stored (see server/backbones). */
export const POST = handle(async (request: Request) => {
  const access = await requireAccess(request, 'write');
  return NextResponse.json(await createUploadedBackbone(access, await readBackboneForm(request)), {
    status: 201,
  });
});

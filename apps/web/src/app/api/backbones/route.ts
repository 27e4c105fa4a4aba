import { NextResponse } from 'next/server';
import {
  createUploadedBackbone,
  listUploadedBackbones,
  readBackboneForm,
} from '@/server/backbones';
import { handle } from '@/server/http';

export const dynamic = 'force-dynamic';

export const GET = handle(async () =>
  NextResponse.json({ backbones: await listUploadedBackbones() }),
);

/** Upload a tfjs LayersModel folder; validated before anything is stored (see server/backbones). */
export const POST = handle(async (request: Request) =>
  NextResponse.json(await createUploadedBackbone(await readBackboneForm(request)), { status: 201 }),
);

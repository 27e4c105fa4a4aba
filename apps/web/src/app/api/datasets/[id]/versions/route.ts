import { NextResponse } from 'next/server';
import { versionRequest } from '@studio/shared';
import { requireAccess } from '@/server/access';
import { handle, parseJson } from '@/server/http';
import { BODY_LIMITS } from '@/server/request-body';
import { createVersion, listVersions } from '@/server/labelling';

export const dynamic = 'force-dynamic';

export const GET = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request);
    return NextResponse.json({ versions: await listVersions(access, (await params).id) });
  },
);

export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request, 'write');
    const { id } = await params;
    const version = await createVersion(
      access,
      id,
      await parseJson(request, versionRequest, BODY_LIMITS.labelling),
    );
    return NextResponse.json(version, { status: 201 });
  },
);

import { requireAccess } from '@/server/access';
import { handle } from '@/server/http';
import { deleteVersion } from '@/server/lifecycle';

export const dynamic = 'force-dynamic';

/** Deletes a version no run trains on. */
export const DELETE = handle(
  async (request: Request, { params }: { params: Promise<{ id: string; versionId: string }> }) => {
    const access = await requireAccess(request, 'write');
    const { id, versionId } = await params;
    await deleteVersion(access, id, versionId);
    return new Response(null, { status: 204 });
  },
);

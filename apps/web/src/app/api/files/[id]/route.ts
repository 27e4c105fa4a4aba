import { imageContentType, thumbnailBlobKey } from '@studio/db';
import { requireAccess } from '@/server/access';
import { getDatasetFileOrThrow } from '@/server/datasets';
import { blobs } from '@/server/db';
import { handle } from '@/server/http';

export const dynamic = 'force-dynamic';

/**
 * An image of a dataset (or its thumbnail). The content type is set by the server from the
 * verified format, never from the upload, and the CSP forbids scripts even if a file were HTML.
 */
export const GET = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request);
    const file = await getDatasetFileOrThrow(access, (await params).id);
    const isThumb = new URL(request.url).searchParams.get('size') === 'thumb';
    const bytes = await blobs().get(isThumb ? thumbnailBlobKey(file.sha256) : file.blobKey);
    return new Response(new Uint8Array(bytes), {
      headers: {
        'Content-Type': isThumb ? 'image/webp' : imageContentType(file.format),
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy':
          "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
        'Cache-Control': 'private, max-age=31536000, immutable',
      },
    });
  },
);

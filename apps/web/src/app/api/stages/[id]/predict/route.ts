import { NextResponse } from 'next/server';
import { z } from 'zod';
import { requireAccess } from '@/server/access';
import { ApiError, handle } from '@/server/http';
import { predictWithStage, readImageBody } from '@/server/predict';

export const dynamic = 'force-dynamic';

const query = z.object({
  topK: z.coerce.number().int().min(1).max(20).default(5),
  tta: z
    .enum(['1', '0', 'true', 'false'])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
});

/**
 * Classifies one image with the stage's exported model. Body: the image bytes (Content-Type
 * image/*). Query: ?topK=5&tta=1. Answers { predictions: [{ label, index, prob }], ms }.
 */
export const POST = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    // Predicting changes nothing, so viewers and read tokens may use it.
    const access = await requireAccess(request, 'read');
    const { id } = await params;
    const contentType = request.headers.get('content-type') ?? '';
    if (!contentType.startsWith('image/')) {
      throw new ApiError(
        415,
        `Send the image bytes as the body with an image/* Content-Type (received "${contentType || 'none'}").`,
      );
    }
    const url = new URL(request.url);
    const parsed = query.safeParse(Object.fromEntries(url.searchParams));
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      throw new ApiError(400, `Invalid query: ${problems.join('; ')}`, parsed.error.issues);
    }
    const image = await readImageBody(request);
    return NextResponse.json(await predictWithStage(access, id, image, parsed.data));
  },
);

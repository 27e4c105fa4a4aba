import { Zip, ZipPassThrough } from 'fflate';
import { blobs } from '@/server/db';
import { requireAccess } from '@/server/access';
import { handle } from '@/server/http';
import { getStageExport } from '@/server/interpretation';

export const dynamic = 'force-dynamic';

const safeName = (name: string) => name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';

/**
 * The stage's self-contained model as a zip (model.json, weight shards, model.onnx, classes.json,
 * preprocessing.json). Files are stored uncompressed (weights do not compress) and streamed
 * blob by blob, so a large network never sits whole in memory.
 */
export const GET = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request);
    const bundle = await getStageExport(access, (await params).id);
    const store = blobs();
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        const zip = new Zip((error, chunk) => {
          if (error) controller.error(error);
          else controller.enqueue(chunk);
        });
        try {
          for (const file of bundle.files) {
            const entry = new ZipPassThrough(file.name);
            zip.add(entry);
            for await (const chunk of store.stream(file.blobKey)) entry.push(chunk);
            entry.push(new Uint8Array(0), true);
          }
          zip.end();
          controller.close();
        } catch (error) {
          controller.error(error);
        }
      },
    });
    const name = `${safeName(bundle.runName)}-stage-${bundle.stageIndex + 1}-export.zip`;
    return new Response(stream, {
      headers: {
        'Content-Type': 'application/zip',
        'Content-Disposition': `attachment; filename="${name}"`,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'private, no-store',
      },
    });
  },
);

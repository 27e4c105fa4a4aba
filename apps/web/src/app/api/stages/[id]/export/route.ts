import { Zip, ZipPassThrough } from 'fflate';
import { blobs } from '@/server/db';
import { requireAccess } from '@/server/access';
import { handle } from '@/server/http';
import { getStageExport, modelCard } from '@/server/interpretation';

export const dynamic = 'force-dynamic';

const safeName = (name: string) => name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';

/**
 * The stage's self-contained model as a zip (README.md, a model card; model.json, weight
 * shards, model.onnx, classes.json, preprocessing.json). Files are stored uncompressed (weights do not compress) and streamed
 * blob by blob, so a large network never sits whole in memory.
 */
export const GET = handle(
  async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const access = await requireAccess(request);
    const stageId = (await params).id;
    const bundle = await getStageExport(access, stageId);
    const store = blobs();
    const preprocessingFile = bundle.files.find((f) => f.name === 'preprocessing.json');
    const preprocessing = preprocessingFile
      ? (JSON.parse((await store.get(preprocessingFile.blobKey)).toString('utf8')) as Record<
          string,
          unknown
        >)
      : null;
    const readme = new TextEncoder().encode(await modelCard(access, stageId, preprocessing));
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        const zip = new Zip((error, chunk) => {
          if (error) controller.error(error);
          else controller.enqueue(chunk);
        });
        try {
          const card = new ZipPassThrough('README.md');
          zip.add(card);
          card.push(readme, true);
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

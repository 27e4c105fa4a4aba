import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { HelpArticle } from '@/components/help-article';
import { pageAccess } from '@/server/access';

export const dynamic = 'force-dynamic';

/** The documents the app's "more" links open; each is a file of the repository's `docs/`. */
const TOPICS: Record<string, string> = { 'run-settings': 'Run settings in depth' };

let foundDocsDir: string | undefined;

/** `docs/` of the repository (next runs in `apps/web`, other starters at the root); found once. */
function docsDir(): string {
  if (foundDocsDir) return foundDocsDir;
  for (const up of ['.', '..', '../..']) {
    const dir = path.resolve(process.cwd(), up, 'docs');
    if (existsSync(path.join(dir, 'run-settings.md'))) return (foundDocsDir = dir);
  }
  throw new Error(`The docs folder was not found above ${process.cwd()}.`);
}

export async function generateMetadata({
  params,
}: {
  params: Promise<{ topic: string }>;
}): Promise<Metadata> {
  return { title: TOPICS[(await params).topic] ?? 'Help' };
}

export default async function HelpPage({ params }: { params: Promise<{ topic: string }> }) {
  await pageAccess();
  const { topic } = await params;
  if (!Object.hasOwn(TOPICS, topic)) notFound();
  const text = await readFile(path.join(docsDir(), `${topic}.md`), 'utf8');
  return <HelpArticle markdown={text} />;
}

import type { Metadata } from 'next';
import { BackbonesView } from '@/components/backbones/backbones-view';
import { pageAccess } from '@/server/access';
import { listUploadedBackbones } from '@/server/backbones';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Backbones' };

export default async function BackbonesPage() {
  return <BackbonesView initial={await listUploadedBackbones(await pageAccess())} />;
}

import type { Metadata } from 'next';
import { AuditTable } from '@/components/team/audit-table';
import { pageAccess } from '@/server/access';
import { listAuditEvents } from '@/server/audit';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Audit' };

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<{ action?: string }>;
}) {
  const access = await pageAccess('manage');
  const { action } = await searchParams;
  return <AuditTable events={await listAuditEvents(access, { action })} action={action ?? ''} />;
}

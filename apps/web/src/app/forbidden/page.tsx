import type { Metadata } from 'next';
import { EmptyState } from '@/components/empty-state';
import { pageAccess } from '@/server/access';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Not allowed' };

export default async function ForbiddenPage() {
  const access = await pageAccess();
  return (
    <EmptyState
      title="Your role does not allow this page"
      description={`You are ${access.role === 'admin' ? 'an' : 'a'} ${access.role} of this team. Viewers read everything but change nothing; only owners and admins manage the team. Ask an owner for another role.`}
    />
  );
}

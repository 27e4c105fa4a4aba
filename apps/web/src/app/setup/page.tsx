import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { AuthCard } from '@/components/auth/auth-card';
import { SetupForm } from '@/components/auth/setup-form';
import { MIN_PASSWORD_LENGTH } from '@/server/auth';
import { isSetUp } from '@/server/teams';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Set up the studio' };

export default async function SetupPage() {
  if (await isSetUp()) redirect('/sign-in');
  return (
    <AuthCard
      title="Set up the studio"
      description="Nobody has an account yet. The first person creates the owner account and the first team; everyone else joins by invitation."
    >
      <SetupForm minPassword={MIN_PASSWORD_LENGTH} />
    </AuthCard>
  );
}

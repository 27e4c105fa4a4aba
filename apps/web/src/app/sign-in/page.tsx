import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { AuthCard } from '@/components/auth/auth-card';
import { SignInForm } from '@/components/auth/sign-in-form';
import { currentViewer } from '@/server/access';
import { isSetUp } from '@/server/teams';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage() {
  if (!(await isSetUp())) redirect('/setup');
  if (await currentViewer()) redirect('/runs');
  return (
    <AuthCard
      title="Sign in"
      description="Accounts are made by invitation: ask your team's owner for a link if you have none."
    >
      <SignInForm />
    </AuthCard>
  );
}

import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { AuthCard } from '@/components/auth/auth-card';
import { SignInForm } from '@/components/auth/sign-in-form';
import { Alert } from '@mantine/core';
import { localPath } from '@/lib/local-path';
import { currentViewer, signedInUser } from '@/server/access';
import { isSetUp } from '@/server/teams';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  if (!(await isSetUp())) redirect('/setup');
  // Where to go after signing in, e.g. back to an invitation link.
  const next = localPath((await searchParams).next) ?? '/runs';
  if (await currentViewer()) redirect(next);
  const teamless = await signedInUser();
  return (
    <AuthCard
      title="Sign in"
      description="Accounts are made by invitation: ask your team's owner for a link if you have none."
    >
      {teamless && (
        <Alert color="orange" role="status">
          You are signed in as {teamless.email} but no longer belong to any team. Ask an owner for a
          new invitation, or sign in as someone else.
        </Alert>
      )}
      <SignInForm next={next} />
    </AuthCard>
  );
}

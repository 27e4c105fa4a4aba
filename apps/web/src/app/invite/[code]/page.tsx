import type { Metadata } from 'next';
import { Alert, Anchor, Text } from '@mantine/core';
import { AcceptForm } from '@/components/auth/accept-form';
import { AuthCard } from '@/components/auth/auth-card';
import { MIN_PASSWORD_LENGTH } from '@/server/auth';
import { findOpenInvitation } from '@/server/invitations';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Join a team' };

export default async function InvitePage({ params }: { params: Promise<{ code: string }> }) {
  const { code } = await params;
  const found = await findOpenInvitation(code);
  if ('problem' in found) {
    return (
      <AuthCard
        title="Join a team"
        description="Invitation links work once and expire after a week."
      >
        <Alert color="red" role="alert">
          {found.problem}
        </Alert>
        <Text size="sm">
          Already have an account? <Anchor href="/sign-in">Sign in</Anchor>.
        </Text>
      </AuthCard>
    );
  }
  const { invitation, hasAccount } = found;
  return (
    <AuthCard
      title={`Join ${invitation.team.name}`}
      description={`You are invited as ${invitation.role}.`}
    >
      <AcceptForm
        code={code}
        email={invitation.email}
        hasAccount={hasAccount}
        minPassword={MIN_PASSWORD_LENGTH}
      />
    </AuthCard>
  );
}

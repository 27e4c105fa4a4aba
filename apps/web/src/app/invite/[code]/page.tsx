import type { Metadata } from 'next';
import { Alert, Anchor, Text } from '@mantine/core';
import { AcceptForm, JoinForm, OtherAccount } from '@/components/auth/accept-form';
import { AuthCard } from '@/components/auth/auth-card';
import { signedInUser } from '@/server/access';
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
  const { invitation } = found;
  const user = await signedInUser();
  return (
    <AuthCard
      title={`Join ${invitation.team.name}`}
      description={`You are invited as ${invitation.role}.`}
    >
      {!user ? (
        <AcceptForm code={code} email={invitation.email} minPassword={MIN_PASSWORD_LENGTH} />
      ) : user.email === invitation.email ? (
        <JoinForm code={code} email={user.email} />
      ) : (
        <OtherAccount code={code} email={invitation.email} current={user.email} />
      )}
    </AuthCard>
  );
}

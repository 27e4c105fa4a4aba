import type { Metadata } from 'next';
import { Stack, Title } from '@mantine/core';
import { InvitationsCard } from '@/components/team/invitations-card';
import { MembersCard } from '@/components/team/members-card';
import { NewTeamCard } from '@/components/team/new-team-card';
import { SessionsCard } from '@/components/team/sessions-card';
import { TokensCard } from '@/components/team/tokens-card';
import { canManage } from '@/lib/roles';
import { currentViewer, pageAccess } from '@/server/access';
import { listInvitations } from '@/server/invitations';
import { listSessions } from '@/server/sessions';
import { listMembers } from '@/server/teams';
import { listApiTokens } from '@/server/tokens';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Team' };

export default async function TeamPage() {
  const access = await pageAccess();
  const viewer = (await currentViewer())!;
  const isManager = canManage(access.role);
  const [members, invitations, tokens, sessions] = await Promise.all([
    listMembers(access),
    isManager ? listInvitations(access) : [],
    isManager ? listApiTokens(access) : [],
    listSessions(viewer.user.id, viewer.sessionId),
  ]);
  return (
    <Stack gap="lg">
      <Title order={1} size="h2">
        Team
      </Title>
      <MembersCard members={members} />
      {isManager && <InvitationsCard invitations={invitations} />}
      {isManager && <TokensCard tokens={tokens} />}
      <SessionsCard sessions={sessions} />
      <NewTeamCard />
    </Stack>
  );
}

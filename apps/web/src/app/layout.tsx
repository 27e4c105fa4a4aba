import '@mantine/core/styles.css';
import '@mantine/dropzone/styles.css';
import '@mantine/notifications/styles.css';
import '@mantine/charts/styles.css';
import './globals.css';
import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { ColorSchemeScript, MantineProvider, mantineHtmlProps } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { StudioShell } from '@/components/studio-shell';
import { currentViewer } from '@/server/access';
import { theme } from './theme';

export const metadata: Metadata = {
  title: { default: 'Studio', template: '%s · Studio' },
  description: 'Train image classifiers the fast.ai way, together.',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const viewer = await currentViewer();
  return (
    <html lang="en" {...mantineHtmlProps}>
      <head>
        <ColorSchemeScript defaultColorScheme="light" />
      </head>
      <body>
        <MantineProvider theme={theme} defaultColorScheme="light">
          <Notifications position="top-right" />
          <StudioShell
            viewer={
              viewer && {
                user: viewer.user,
                teams: viewer.teams,
                teamId: viewer.access.teamId,
                role: viewer.access.role,
              }
            }
          >
            {children}
          </StudioShell>
        </MantineProvider>
      </body>
    </html>
  );
}
